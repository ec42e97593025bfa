"""Tests of rnn_helpers.notebook: the chapters' set-up and glue."""

import importlib
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
import torch
from IPython.core.formatters import format_display_data

import rnn_helpers.notebook as nb


@pytest.fixture
def restore_state():
    """Undo what setup() changes in this process."""
    rc = dict(matplotlib.rcParams)
    printopts = np.get_printoptions()
    threads = torch.get_num_threads()
    yield
    matplotlib.rcParams.update(rc)
    np.set_printoptions(**printopts)
    torch.set_num_threads(threads)


def draws(seed, **kwargs):
    rng = nb.setup(seed, **kwargs)
    return (rng.standard_normal(3), np.random.standard_normal(3),
            torch.randn(3).numpy())


def test_setup_is_reproducible(restore_state):
    first, second = draws(7), draws(7)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    other = draws(8)
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[1], other[1])
    assert not np.array_equal(first[2], other[2])


def test_setup_matches_the_block_it_replaces(restore_state):
    rng = nb.setup(0)
    expected = np.random.default_rng(0).standard_normal(5)
    np.testing.assert_array_equal(rng.standard_normal(5), expected)
    torch.manual_seed(0)
    want = torch.randn(4)
    nb.setup(0)
    assert torch.equal(torch.randn(4), want)


def test_setup_threads_print_options_and_figures(restore_state):
    nb.setup(0, threads=1, precision=3)
    assert torch.get_num_threads() == 1
    opts = np.get_printoptions()
    assert opts["precision"] == 3 and opts["suppress"] is True
    assert np.array2string(np.array([1 / 3, 1e-9])) == "[0.333 0.   ]"
    for key, value in nb.FIGURE_RC.items():
        assert matplotlib.rcParams[key] == value
    assert matplotlib.rcParams["font.size"] >= 10  # legible at a 620 px column
    threads = torch.get_num_threads()
    nb.setup(0)  # threads=None leaves the count alone
    assert torch.get_num_threads() == threads
    assert np.get_printoptions()["precision"] == 4


@pytest.mark.parametrize("kwargs, name", [
    (dict(seed=-1), "seed"), (dict(seed=1.5), "seed"), (dict(seed=True), "seed"),
    (dict(threads=0), "threads"), (dict(precision=-2), "precision"),
])
def test_setup_rejects_bad_arguments(kwargs, name, restore_state):
    with pytest.raises(ValueError, match=name):
        nb.setup(**kwargs)


def test_import_is_light_and_has_no_side_effects():
    code = (
        "import sys, matplotlib, numpy as np\n"
        "keys = ('font.size', 'figure.dpi', 'legend.fontsize')\n"
        "rc = [matplotlib.rcParams[k] for k in keys]\n"
        "import rnn_helpers.notebook\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "assert 'myst_nb' not in sys.modules, 'myst_nb imported'\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
        "assert [matplotlib.rcParams[k] for k in keys] == rc\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_setup_outside_ipython_selects_no_formats():
    # A fresh interpreter: another test in this worker may have created an
    # IPython shell (widgets do), which this test must not see.
    code = (
        "from IPython import get_ipython\n"
        "import rnn_helpers.notebook as nb\n"
        "assert get_ipython() is None\n"
        "assert nb._inline_formats(nb.FIGURE_FORMATS) is False\n"
        "assert get_ipython() is None  # no shell was created on the way\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("value, expected, kind", [
    (np.float64(0.25), 0.25, float),
    (np.float32(0.5), 0.5, float),
    (np.int64(7), 7, int),
    (np.array(3.5), 3.5, float),
    (np.bool_(True), True, bool),
    (torch.tensor(2.0, dtype=torch.float64), 2.0, float),
    (torch.tensor(4), 4, int),
    (5, 5, int),
    (0.125, 0.125, float),
    ("a sentence", "a sentence", str),
])
def test_plain(value, expected, kind):
    got = nb.plain(value)
    assert type(got) is kind and got == expected


def test_plain_leaves_arrays_alone():
    arr = np.arange(3)
    assert nb.plain(arr) is arr
    t = torch.ones(2)
    assert nb.plain(t) is t


def test_glue_passes_plain_values_to_myst_nb(monkeypatch):
    calls = []
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: calls.append((a, k)))
    nb.glue("x", np.float64(0.5))
    nb.glue("y", np.int64(3), display=True)
    assert calls == [(("x", 0.5), {"display": False}), (("y", 3), {"display": True})]
    assert type(calls[0][0][1]) is float and type(calls[1][0][1]) is int


def test_glue_stores_the_text_the_prose_shows(monkeypatch):
    """The real myst-nb glue: the stored text/plain is a Python number's repr."""
    shown = []
    import myst_nb.ext.glue as ext

    monkeypatch.setattr(ext, "ipy_display", lambda data, **kw: shown.append((data, kw)))
    nb.glue("ch00_value", np.float64(0.1) + np.float64(0.2))
    nb.glue("ch00_count", np.int64(42))
    (data1, kw1), (data2, kw2) = shown
    prefix = "application/papermill.record/"
    assert data1 == {prefix + "text/plain": "0.30000000000000004"}
    assert data2 == {prefix + "text/plain": "42"}
    assert kw1["metadata"]["scrapbook"]["name"] == "ch00_value"
    assert kw1["raw"] is True
    # what the old per-chapter helpers had to avoid: NumPy's repr
    assert format_display_data(np.float64(0.5))[0]["text/plain"] == "np.float64(0.5)"


def test_glue_rejects_a_bad_key():
    with pytest.raises(ValueError, match="key"):
        nb.glue("", 1.0)
    with pytest.raises(ValueError, match="key"):
        nb.glue(3, 1.0)


def test_module_reloads_cleanly():
    importlib.reload(nb)
    assert callable(nb.setup) and callable(nb.glue)


# ---- the registry of glued values, read by the JupyterLab edition --------


@pytest.fixture
def registry(monkeypatch):
    """glue() without a kernel: myst-nb's display call is a no-op."""
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: None)
    monkeypatch.setattr(nb, "GLUED", {})
    return nb.GLUED


def test_glue_keeps_plain_values_in_the_registry(registry):
    nb.glue("ch00_a", np.float64(0.25))
    nb.glue("ch00_n", torch.tensor(7))
    nb.glue("ch00_s", "2004-08-19")
    assert registry == {"ch00_a": 0.25, "ch00_n": 7, "ch00_s": "2004-08-19"}
    assert type(registry["ch00_a"]) is float and type(registry["ch00_n"]) is int
    nb.glue("ch00_a", 0.5)  # glued again: the last value wins, as in the book
    assert registry["ch00_a"] == 0.5


@pytest.mark.parametrize("value, fmt, expected", [
    (0.1 + 0.2, "", "0.30000000000000004"),  # the repr, as {glue:text}`k`
    (0.1 + 0.2, ".3f", "0.300"),
    (np.float64(96.4321), ".1f", "96.4"),
    (12345, ",d", "12,345"),
    (np.int64(50), "d", "50"),
    (0.00042, ".0e", "4e-04"),
    (0.9575, ".1%", "95.8%"),
    ("2004-08-19", "", "2004-08-19"),  # a string: no quotes
    ("it's", "", "it's"),
])
def test_glued_text_is_the_text_of_the_book(registry, value, fmt, expected):
    nb.glue("ch00_k", value)
    shown = nb.glued_text("ch00_k", fmt)
    assert isinstance(shown, nb.Shown)
    assert shown.text == expected == format(plain_python(value), fmt or "")
    # what JupyterLab displays: text/plain, the text itself, unquoted
    data, _ = format_display_data(shown)
    assert data == {"text/plain": expected}


def plain_python(value):
    return value.item() if isinstance(value, np.generic) else value


def test_glued_text_of_a_key_not_glued_yet_says_so(registry):
    assert nb.glued_text("ch00_later", ".2f").text == nb.NOT_YET
    assert nb.glued_markdown("ch00_later").text == nb.NOT_YET
    assert nb.glued_math("ch00_later", "1.1").text == nb.NOT_YET


def test_glued_markdown_and_math(registry):
    from IPython.display import Markdown, Math

    nb.glue("ch00_md", Markdown("**bold**"))
    assert nb.glued_markdown("ch00_md").data == "**bold**"
    nb.glue("ch00_eq", Math(r"W = \begin{bmatrix} 1 \end{bmatrix}"))
    math = nb.glued_math("ch00_eq", "1.7")
    assert isinstance(math, Math)
    assert math.data == r"W = \begin{bmatrix} 1 \end{bmatrix} \tag{1.7}"
    assert nb.glued_math("ch00_eq").data == r"W = \begin{bmatrix} 1 \end{bmatrix}"
    nb.glue("ch00_num", 3.0)
    with pytest.raises(ValueError, match="key"):
        nb.glued_math("ch00_num")


@pytest.mark.parametrize("call", [
    lambda: nb.glued_text(""), lambda: nb.glued_text(3),
    lambda: nb.glued_markdown(None), lambda: nb.glued_math(""),
])
def test_glued_rejects_a_bad_key(registry, call):
    with pytest.raises(ValueError, match="key"):
        call()


def test_glued_text_rejects_a_bad_format(registry):
    nb.glue("ch00_x", 1.0)
    with pytest.raises(ValueError, match="fmt"):
        nb.glued_text("ch00_x", 3)
    with pytest.raises(ValueError, match="text"):
        nb.Shown(1.0)


def test_word_list_joins_like_prose():
    assert nb.word_list(["a"]) == "a"
    assert nb.word_list(("a", "b")) == "a and b"
    assert nb.word_list([1, 2, 3]) == "1, 2 and 3"
    with pytest.raises(ValueError, match="words"):
        nb.word_list([])
