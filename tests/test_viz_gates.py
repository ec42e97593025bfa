"""rnn_helpers.viz.gates: the heatmap's layout and its argument checks."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnn_helpers.viz.gates import KINDS, gate_heatmap  # noqa: E402

TEXT = "def f(x):\n    return (x + 1)"


def values(R=4):
    return np.random.default_rng(0).random((R, len(TEXT)))


def test_heatmap_wraps_the_text_and_labels_rows_and_characters():
    fig = gate_heatmap(TEXT, values(), ["i", "f", "o", "c"], ["gate"] * 3 + ["state"],
                       chars_per_line=12)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 3  # ceil(27 / 12)
    assert [t.get_text() for t in panels[0].get_yticklabels()] == ["i", "f", "o", "c"]
    ticks = [t.get_text() for p in panels for t in p.get_xticklabels()]
    assert len(ticks) == len(TEXT) and ticks[:4] == ["d", "e", "f", "\u2423"]
    assert "\u23ce" in ticks  # the newline is shown
    # each row is drawn with the colour range of its kind
    images = panels[0].get_images()
    assert len(images) == 4
    assert images[0].get_clim() == (KINDS["gate"]["vmin"], KINDS["gate"]["vmax"])
    assert images[3].get_clim() == (KINDS["state"]["vmin"], KINDS["state"]["vmax"])
    assert np.allclose(images[1].get_array()[0, :12], values()[1, :12])
    assert len(fig.axes) == len(panels) + 2  # a colour bar per kind
    plt.close(fig)


@pytest.mark.parametrize("call, message", [
    (lambda: gate_heatmap("", np.zeros((1, 0)), ["a"]), "text: expected a non-empty string"),
    (lambda: gate_heatmap(TEXT, np.zeros((2, 5)), ["a", "b"]),
     f"values: expected an array of shape (R, L) with R >= 1 and L = len(text) = {len(TEXT)}, got shape (2, 5)"),
    (lambda: gate_heatmap(TEXT, np.zeros(len(TEXT)), ["a"]), "values: expected an array of shape (R, L)"),
    (lambda: gate_heatmap(TEXT, np.full((1, len(TEXT)), np.nan), ["a"]), "values: expected finite numbers"),
    (lambda: gate_heatmap(TEXT, values(2), ["a"]), "labels: expected 2 strings"),
    (lambda: gate_heatmap(TEXT, values(2), ["a", "b"], ["gate", "cell"]), "kinds: expected 2 entries"),
    (lambda: gate_heatmap(TEXT, values(1), ["a"], chars_per_line=0), "chars_per_line"),
])
def test_heatmap_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
