"""Tests of rnn_helpers.viz.diagrams: figures with the expected artists and labels."""

import importlib
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from rnn_helpers.viz import diagrams  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def patches_with_gid(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def test_import_has_no_side_effects():
    plt.close("all")
    original = sys.modules.pop("rnn_helpers.viz.diagrams", None)
    try:
        importlib.import_module("rnn_helpers.viz.diagrams")
        assert plt.get_fignums() == []
    finally:  # later tests compare objects with the module they imported
        if original is not None:
            sys.modules["rnn_helpers.viz.diagrams"] = original


@pytest.mark.parametrize("T", [1, 3, 5])
def test_unrolled_rnn_boxes_and_labels(T):
    fig, ax = diagrams.draw_unrolled_rnn(T)
    assert isinstance(fig, Figure) and ax.figure is fig
    labels = texts(ax)
    for t in range(1, T + 1):
        for sym in ("x", "h", "o"):
            assert f"${sym}_{{{t}}}$" in labels
    assert "$h_0$" in labels and "$h_t$" in labels and "=" in labels
    # folded cell (3 boxes) + h_0 + 3 boxes per step
    assert len(patches_with_gid(ax, "input")) == T + 1
    assert len(patches_with_gid(ax, "hidden")) == T + 1
    assert len(patches_with_gid(ax, "output")) == T + 1
    assert len(patches_with_gid(ax, "loop")) == 1
    # every step applies W_xh, W_hh (from h_{t-1}) and W_hq
    assert labels.count("$W_{xh}$") == T + 1
    assert labels.count("$W_{hh}$") == T + 1
    assert labels.count("$W_{hq}$") == T + 1
    assert "time" in labels
    assert not ax.axison


def test_unrolled_rnn_options():
    fig, ax = diagrams.draw_unrolled_rnn(2, folded=False, outputs=False, initial_state=False,
                                         weight_labels=False, title="An RNN")
    labels = texts(ax)
    assert "=" not in labels and "$h_0$" not in labels
    assert not any(label.startswith("$W") for label in labels)
    assert patches_with_gid(ax, "output") == []
    assert ax.get_title() == "An RNN"


def test_unrolled_rnn_draws_into_given_axes():
    fig, ax = plt.subplots()
    fig2, ax2 = diagrams.draw_unrolled_rnn(2, ax=ax)
    assert fig2 is fig and ax2 is ax


@pytest.mark.parametrize("T", [0, 13, 2.0])
def test_unrolled_rnn_rejects_bad_T(T):
    with pytest.raises(ValueError, match="T"):
        diagrams.draw_unrolled_rnn(T)


def test_io_patterns_panels():
    fig, axes = diagrams.draw_io_patterns()
    assert isinstance(fig, Figure) and len(axes) == 5
    titles = [ax.get_title() for ax in axes]
    assert titles == ["one-to-one", "one-to-many", "many-to-one",
                      "many-to-many, aligned", "many-to-many, unaligned"]
    counts = [(len(patches_with_gid(ax, "input")), len(patches_with_gid(ax, "hidden")),
               len(patches_with_gid(ax, "output"))) for ax in axes]
    assert counts == [(1, 1, 1), (1, 4, 4), (4, 4, 1), (4, 4, 4), (3, 6, 3)]
    assert len(patches_with_gid(axes[1], "feedback")) == 3
    for ax in axes:
        assert len(ax.texts) == 1 and ax.texts[0].get_text()  # the application
    legend_labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_labels == ["input $x_t$", "hidden state $h_t$", "output $o_t$"]
    # the same data scale in every panel: equal box sizes on the page
    widths = {round(ax.get_position().width * fig.get_figwidth()
                    / (ax.get_xlim()[1] - ax.get_xlim()[0]), 6) for ax in axes}
    assert len(widths) == 1


def test_fixed_window():
    fig, ax = diagrams.draw_fixed_window(T=8, k=3, marker=2)
    assert len(patches_with_gid(ax, "input")) == 3
    assert len(patches_with_gid(ax, "muted")) == 4
    assert len(patches_with_gid(ax, "marker")) == 1
    assert len(patches_with_gid(ax, "window")) == 1
    labels = texts(ax)
    assert "window of k = 3" in labels and "MLP" in labels and "marker" in labels
    with pytest.raises(ValueError, match="k"):
        diagrams.draw_fixed_window(T=5, k=6)


def test_figures_render():
    for fig, _ in (diagrams.draw_unrolled_rnn(3), diagrams.draw_io_patterns(),
                   diagrams.draw_fixed_window(), diagrams.draw_lstm_cell()):
        fig.canvas.draw()


def test_lstm_cell_gates_operations_and_labels():
    fig, ax = diagrams.draw_lstm_cell()
    assert isinstance(fig, Figure) and ax.figure is fig and not ax.axison
    gates = patches_with_gid(ax, "gate")
    assert len(gates) == 4  # f, i, g, o
    labels = texts(ax)
    for gate in ("$f_t$\n$\\sigma$", "$i_t$\n$\\sigma$", "$g_t$\ntanh",
                 "$o_t$\n$\\sigma$"):
        assert gate in labels
    # the sigmoid gates share a colour, the candidate g_t has the input colour
    faces = [tuple(p.get_facecolor()) for p in gates]
    assert faces[0] == faces[1] == faces[3] != faces[2]
    ops = patches_with_gid(ax, "op")
    assert len(ops) == 4  # f * c, i * g, + (into the cell), o * tanh(c)
    assert sorted(texts_of_ops(ax, ops)) == ["+", "×", "×", "×"]
    for name in ("$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$x_t$", "$h_t$",
                 "constant error carousel", "tanh"):
        assert name in labels
    cell_state = [a for a in list(ax.patches) + list(ax.lines)
                  if a.get_gid() == "cell-state"]
    assert len(cell_state) == 3  # two segments and the arrow into c_t
    assert len(patches_with_gid(ax, "frame")) == 1
    fig.canvas.draw()


def texts_of_ops(ax, ops):
    """The text drawn at the centre of each operation circle."""
    found = []
    for op in ops:
        cx, cy = op.center
        found += [t.get_text() for t in ax.texts if t.get_position() == (cx, cy)]
    return found


def test_lstm_cell_draws_into_given_axes():
    fig, ax = plt.subplots()
    fig2, ax2 = diagrams.draw_lstm_cell(ax=ax)
    assert fig2 is fig and ax2 is ax and len(patches_with_gid(ax, "gate")) == 4


def test_primitives_tag_their_artists():
    fig, ax = plt.subplots()
    b = diagrams.box(ax, 0, 0, "$h$", "loss")
    assert b.get_gid() == "loss" and texts(ax) == ["$h$"]
    assert b.get_facecolor()[:3] == matplotlib.colors.to_rgb(diagrams.COLORS["loss"][0])
    a = diagrams.arrow(ax, (0, 0), (1, 0), label="$W$", gid="forward")
    assert a.get_gid() == "forward" and "$W$" in texts(ax)
    c = diagrams.circle(ax, 1, 1, "+")
    assert c.get_gid() == "op" and c.radius == 0.24
    ln = diagrams.line(ax, [(0, 0), (1, 1), (2, 0)], gid="path")
    assert ln.get_gid() == "path" and list(ln.get_xdata()) == [0, 1, 2]
    t = diagrams.label(ax, 2, 2, "note", style="italic")
    assert t.get_text() == "note" and t.get_style() == "italic"
    diagrams.finish(ax, (0, 3), (0, 3))
    assert not ax.axison and ax.get_xlim() == (0, 3)
    with pytest.raises(KeyError):
        diagrams.box(ax, 0, 0, "", "no such kind")


def test_computation_graph_uses_the_same_primitives():
    from rnn_helpers.viz import computation_graph

    assert computation_graph.GRAPH_COLORS["loss"] == diagrams.COLORS["loss"]
    assert computation_graph.box is diagrams.box
    assert computation_graph.arrow is diagrams.arrow


def test_gru_cell_gates_operations_and_labels():
    fig, ax = diagrams.draw_gru_cell()
    assert isinstance(fig, Figure) and ax.figure is fig and not ax.axison
    gates = patches_with_gid(ax, "gate")
    assert len(gates) == 3  # z, r, n
    labels = texts(ax)
    for gate in ("$z_t$\n$\\sigma$", "$r_t$\n$\\sigma$", "$n_t$\ntanh"):
        assert gate in labels
    faces = [tuple(p.get_facecolor()) for p in gates]
    assert faces[0] == faces[1] != faces[2]  # two sigmoid gates, one candidate
    ops = patches_with_gid(ax, "op")
    assert sorted(texts_of_ops(ax, ops)) == ["+", "1−", "×", "×"]
    for name in ("$h_{t-1}$", "$x_t$", "$h_t$", "$h_t$ (output)",
                 "$r_t \\odot (W_{hn}h_{t-1} + b_{hn})$"):
        assert name in labels
    state = [a for a in list(ax.patches) + list(ax.lines)
             if a.get_gid() == "state"]
    assert len(state) == 3  # two segments and the arrow into h_t
    assert "$c_t$" not in labels  # no cell state in a GRU
    fig.canvas.draw()


def test_gru_cell_draws_into_given_axes():
    fig, ax = plt.subplots()
    fig2, ax2 = diagrams.draw_gru_cell(ax=ax)
    assert fig2 is fig and ax2 is ax and len(patches_with_gid(ax, "gate")) == 3
