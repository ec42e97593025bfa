"""Tests of rnn_helpers.viz.classification: chapter 8's figures draw the numbers they are given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnn_helpers.viz.classification import (  # noqa: E402
    confusion_figure,
    digit_prefix_figure,
    loss_curves_figure,
    padding_figure,
    training_figure,
)


def teardown_function():
    plt.close("all")


def test_padding_figure_letters_and_median():
    alphabet = "abc"
    ids = np.array([[1, 2, 0, 0], [3, 3, 3, 1], [2, 0, 0, 0]])
    lengths = np.array([2, 4, 1])
    rng = np.random.default_rng(0)
    n_pad = np.repeat([0, 1, 2], 12)
    drift = rng.uniform(0, 0.5, size=n_pad.size)
    fig = padding_figure(ids, lengths, alphabet, n_pad, drift, rows=3, min_names=10)
    ax_b, ax_d = fig.axes[:2]
    texts = [t.get_text() for t in ax_b.texts]
    assert texts[:4] == ["c", "c", "c", "a"]  # the longest name on top
    assert texts.count("\u00b7") == int((ids == 0).sum())
    median_line = ax_d.lines[0]
    np.testing.assert_allclose(median_line.get_ydata(), [100 * np.median(drift[n_pad == k]) for k in range(3)])
    with pytest.raises(ValueError, match="lengths"):
        padding_figure(ids, lengths[:2], alphabet, n_pad, drift)
    with pytest.raises(ValueError, match="rel_drift"):
        padding_figure(ids, lengths, alphabet, n_pad, drift[:3])


def test_training_figure_smooths_and_marks_checkpoints():
    losses = [np.linspace(2.5, 1.0, 60), np.linspace(2.4, 0.9, 60)]
    evals = [[(20, 0.3), (40, 0.5), (60, 0.6)], [(20, 0.35), (40, 0.55), (60, 0.5)]]
    fig = training_figure(losses, evals, log_q=np.log(12), best_steps=[60, 40], smooth=5,
                          references={"baseline": (0.58, "C2", "--")})
    ax_l, ax_a = fig.axes
    first = ax_l.lines[0].get_ydata()
    c = np.cumsum(np.insert(losses[0], 0, 0.0))
    np.testing.assert_allclose(first, (c[5:] - c[:-5]) / 5)  # moving mean, an independent formula
    marks = [ln for ln in ax_a.lines if ln.get_marker() == "|"]
    assert [(m.get_xdata()[0], m.get_ydata()[0]) for m in marks] == [(60, pytest.approx(60)), (40, pytest.approx(55))]
    assert any(np.allclose(ln.get_ydata(), 58) for ln in ax_a.lines)
    with pytest.raises(ValueError, match="evals"):
        training_figure(losses, evals[:1], log_q=1.0)


def test_confusion_figure_writes_percentages():
    C = np.array([[0.9, 0.1, 0.0], [0.25, 0.75, 0.0], [0.0, 0.004, 0.996]])
    fig = confusion_figure(C, ["x", "y", "z"], [10, 4, 250])
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["90", "10", "25", "75", "100"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x (10)", "y (4)", "z (250)"]
    with pytest.raises(ValueError, match="C"):
        confusion_figure(C[:2], ["x", "y", "z"], [1, 2, 3])


def test_digit_prefix_figure():
    image = np.random.default_rng(1).uniform(size=(8, 8))
    acc = np.linspace(0.1, 0.97, 8)
    fig = digit_prefix_figure(image, 3, acc, references={"chance": (0.1, "gray", ":")})
    ax_img, ax_pre = fig.axes
    np.testing.assert_allclose(ax_pre.lines[0].get_ydata(), 100 * acc)
    assert "(3)" in ax_img.get_title(loc="left")
    with pytest.raises(ValueError, match="prefix_accuracy"):
        digit_prefix_figure(image, 3, acc[:7])


def test_loss_curves_figure_draws_the_mean_of_the_seeds():
    runs = [[(10, 0.2), (20, 0.5)], [(10, 0.4), (20, 0.7)]]
    fig = loss_curves_figure({"ce": runs}, {"ce": ("cross-entropy", "C0", "-")}, chance=0.1)
    ax = fig.axes[0]
    mean = [ln for ln in ax.lines if ln.get_linewidth() == 2][0]
    np.testing.assert_allclose(mean.get_ydata(), [30, 60])
    assert "mean of 2" in mean.get_label()
    with pytest.raises(ValueError, match="styles"):
        loss_curves_figure({"ce": runs}, {})
