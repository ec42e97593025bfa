"""Tests of rnn_helpers.viz.computation_graph: the right arrows, cuts and errors."""

import matplotlib.pyplot as plt
import pytest

from rnn_helpers.viz.computation_graph import GRAPH_COLORS, draw_bptt_graph


def count(ax, gid):
    artists = list(ax.patches) + list(ax.lines)
    return sum(1 for a in artists if a.get_gid() == gid)


def texts(ax):
    return [t.get_text() for t in ax.texts]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("T", [1, 3, 6])
def test_full_graph_has_four_forward_and_three_backward_arrows_per_step(T):
    fig, ax = draw_bptt_graph(T)
    assert count(ax, "forward") == 4 * T  # x->h, h->h, h->o, o->l
    assert count(ax, "backward") == 3 * T  # l->o, o->h, h->h (down to h_0)
    assert count(ax, "backward-faded") == 0 and count(ax, "cut") == 0
    assert count(ax, "node-h") == T and count(ax, "node-h0") == 1
    assert count(ax, "node-l") == T
    assert fig is ax.figure and not ax.axison


def test_forward_only():
    _, ax = draw_bptt_graph(3, backward=False)
    assert count(ax, "forward") == 12 and count(ax, "backward") == 0
    assert not any("partial" in t for t in texts(ax))


def test_cuts_remove_backward_arrows_but_keep_forward_ones():
    _, ax = draw_bptt_graph(6, cuts=[2, 4])
    assert count(ax, "cut") == 2
    assert count(ax, "forward") == 24
    assert count(ax, "backward") == 3 * 6 - 2
    assert texts(ax).count("detach") == 2


def test_source_highlights_one_loss_path_up_to_the_cut():
    _, ax = draw_bptt_graph(6, cuts=[2, 4], source=6)
    # l6->o6, o6->h6, h6->h5; the path stops at the cut after step 4
    assert count(ax, "backward") == 3
    assert count(ax, "backward") + count(ax, "backward-faded") == 3 * 6 - 2
    labels = [t for t in texts(ax) if t.startswith(r"$\partial l_{6}/\partial h")]
    assert len(labels) == 2  # dl6/dh6 and dl6/dh5


def test_source_without_cuts_reaches_h0():
    _, ax = draw_bptt_graph(4, source=3)
    assert count(ax, "backward") == 2 + 3  # l3->o3, o3->h3, h3->h2->h1->h0


def test_labels_can_be_switched_off_and_title_set():
    _, ax = draw_bptt_graph(2, weight_labels=False, grad_labels=False, title="BPTT")
    assert not any("W_" in t for t in texts(ax))
    assert ax.get_title() == "BPTT"


def test_draws_into_given_axes():
    fig, ax = plt.subplots()
    fig2, ax2 = draw_bptt_graph(2, ax=ax)
    assert fig2 is fig and ax2 is ax


def test_colours_are_distinct():
    assert GRAPH_COLORS["forward"] != GRAPH_COLORS["backward"]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(T=0), "T:"),
        (dict(T=11), "T:"),
        (dict(T=True), "T:"),
        (dict(T=4, cuts=[4]), "cuts"),
        (dict(T=4, cuts=[0]), "cuts"),
        (dict(T=4, source=5), "source"),
        (dict(T=4, source=0), "source"),
    ],
)
def test_bad_arguments_raise(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        draw_bptt_graph(**kwargs)


def test_grad_labels_sit_on_the_state_not_on_the_input_edge():
    # issue 11: dL/dh_t must not sit beside the x_t -> h_t arrow, which runs
    # vertically through the column centre x = 2.4 t
    import matplotlib.pyplot as plt

    fig, ax = draw_bptt_graph(3)
    labels = [t for t in ax.texts if t.get_gid() == "grad-label"]
    assert [t.get_text() for t in labels] == [
        rf"$\partial L/\partial h_{{{t}}}$" for t in (1, 2, 3)
    ]
    for t, label in enumerate(labels, start=1):
        x, y = label.get_position()
        assert x >= 2.4 * t + 0.4  # right of the h_t box (half width 0.4)
    leaders = [ln for ln in ax.lines if ln.get_gid() == "grad-label-leader"]
    assert len(leaders) == 3
    plt.close(fig)
