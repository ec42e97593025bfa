"""viz.panels: a panel's axis labels and left-aligned title in one call."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnn_helpers.viz.panels import label_panel  # noqa: E402


def test_label_panel_sets_labels_and_left_title():
    fig, ax = plt.subplots()
    assert label_panel(ax, "(a) loss", "step", "loss (nats)", fontsize=9) is ax
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss (nats)"
    assert ax.get_title(loc="left") == "(a) loss"
    assert ax.get_title(loc="center") == "" and ax.get_title(loc="right") == ""
    assert ax._left_title.get_fontsize() == 9  # noqa: SLF001
    plt.close(fig)


def test_label_panel_matches_the_three_matplotlib_calls():
    fig, (a, b) = plt.subplots(1, 2)
    label_panel(a, "(b) x", "T", "ms")
    b.set_xlabel("T")
    b.set_ylabel("ms")
    b.set_title("(b) x", loc="left")
    for get in ("get_xlabel", "get_ylabel"):
        assert getattr(a, get)() == getattr(b, get)()
    assert a.get_title(loc="left") == b.get_title(loc="left")
    plt.close(fig)


def test_label_panel_can_leave_the_y_axis_alone():
    fig, ax = plt.subplots()
    ax.set_ylabel("kept")
    label_panel(ax, "(c) by style", "exact match (%)")
    assert ax.get_ylabel() == "kept" and ax.get_xlabel() == "exact match (%)"
    plt.close(fig)


@pytest.mark.parametrize("args, kw, fragment", [
    ((None, "x", "y"), {}, "title"),
    (("t", 3, "y"), {}, "xlabel"),
    (("t", "x", ["y"]), {}, "ylabel"),
    (("t", "x", "y"), {"loc": "center"}, "loc"),
])
def test_label_panel_rejects_bad_arguments(args, kw, fragment):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=fragment):
        label_panel(ax, *args, **kw)
    plt.close(fig)
