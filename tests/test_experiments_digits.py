"""rnn_helpers.experiments.digits: tiny, fast runs of the row-by-row digits experiment."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnn_helpers.experiments import digits


@pytest.fixture(scope="module")
def task():
    return digits.prepare(seed=0)


def test_prepare(task):
    assert task.images.shape == (1797, 8, 8) and task.images.dtype == np.float32
    assert 0.0 <= task.images.min() and task.images.max() == 1.0
    parts = np.concatenate([task.train, task.val, task.test])
    assert sorted(parts.tolist()) == list(range(1797))
    assert len(task.test) == pytest.approx(0.2 * 1797, abs=10)


def test_row_reader_reads_rows_or_columns():
    torch.manual_seed(0)
    model = digits.RowReader(hidden=5, cell="gru")
    x = torch.randn(3, 8, 8)
    out, _ = model.rnn(x)
    torch.testing.assert_close(model(x), model.head(out[:, -1]))
    model.read = "columns"
    out_t, _ = model.rnn(x.transpose(1, 2))
    torch.testing.assert_close(model(x), model.head(out_t[:, -1]))
    with pytest.raises(ValueError, match="x: expected shape"):
        model(torch.randn(3, 64))
    with pytest.raises(ValueError, match="read"):
        digits.RowReader(read="diagonal")


def test_softmax_mse_matches_definition_and_its_gradient_vanishes_when_saturated():
    logits = torch.tensor([[2.0, -1.0, 0.5]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([2])
    p = torch.softmax(logits, -1)
    expected = ((p - F.one_hot(y, 3)) ** 2).sum()
    torch.testing.assert_close(digits.softmax_mse(logits, y), expected)
    # confidently wrong: squared error barely moves, cross-entropy pushes hard
    wrong = torch.tensor([[20.0, 0.0, 0.0]], dtype=torch.float64, requires_grad=True)
    g_mse, = torch.autograd.grad(digits.softmax_mse(wrong, y), wrong)
    g_ce, = torch.autograd.grad(F.cross_entropy(wrong, y), wrong)
    assert g_mse.norm() < 1e-6 < 1.0 < g_ce.norm()


def test_tiny_experiment(task):
    metrics, art = digits.experiment(60, seed=0, steps=8, comparison_steps=4, task=task)
    json.dumps(metrics)
    assert metrics["rnn"]["steps"] == 8
    assert metrics["baseline_logistic_regression"]["test_accuracy"] > 0.9  # a strong baseline
    assert set(metrics["loss_comparison"]) == {"ce/adam", "mse/adam", "ce/sgd", "mse/sgd"}
    for run in metrics["loss_comparison"].values():
        assert run["steps"][-1] == 4 and len(run["val_accuracy"]) == len(run["steps"])
    C = np.array(metrics["confusion_matrix_rnn"])
    assert C.shape == (10, 10) and C.sum() == len(task.test)


def test_same_seed_same_start_for_both_losses(task):
    a, ra, _ = digits.train_reader(task, steps=2, seconds=30, seed=3, loss="ce", eval_every=2)
    b, rb, _ = digits.train_reader(task, steps=2, seconds=30, seed=3, loss="ce", eval_every=2)
    assert ra.losses == rb.losses
    with pytest.raises(ValueError, match="loss"):
        digits.train_reader(task, steps=1, seconds=1, loss="hinge")
    with pytest.raises(ValueError, match="optimizer"):
        digits.train_reader(task, steps=1, seconds=1, optimizer="lbfgs")
    with pytest.raises(ValueError, match="unknown settings"):
        digits.train_reader(task, steps=1, seconds=1, hiden=3)


@pytest.mark.slow
def test_command_line_prints_json():
    out = subprocess.run([sys.executable, "-m", "rnn_helpers.experiments", "digits", "--seconds", "0.2"],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    metrics = json.loads(out)
    assert "baseline_logistic_regression" in metrics and metrics["rnn"]["steps"] >= 1


def test_two_executions_give_identical_metrics(task):
    """Steps, not seconds, decide: the same call twice gives the same numbers."""
    a, _ = digits.experiment(60, seed=0, steps=6, comparison_steps=4, task=task)
    b, _ = digits.experiment(60, seed=0, steps=6, comparison_steps=4, task=task)
    assert a == b and a["rnn"]["steps"] == 6 and a["rnn"]["stopped"] == "steps"


def test_the_wall_time_cap_raises_instead_of_shortening(task):
    with pytest.raises(RuntimeError, match="safety cap"):
        digits.train_reader(task, steps=10**6, seconds=1e-3, seed=0, eval_every=10**6)


def test_pixel_baselines(task):
    svm, C, val = digits.fit_svm(task)
    flat = task.images.reshape(len(task.images), -1)
    assert C in (1.0, 10.0, 100.0) and val > 0.9
    knn, val_knn = digits.fit_nearest_neighbour(task)
    # 1-NN oracle: plain argmin over squared distances to every training image
    x, xt = flat[task.test[:50]], flat[task.train]
    d = ((x[:, None, :] - xt[None, :, :]) ** 2).sum(-1)
    np.testing.assert_array_equal(knn.predict(x), task.labels[task.train][d.argmin(1)])
    acc = digits.accuracy_over_splits([0, 1], lstm_steps=3)
    assert set(acc) == {"logistic", "svm", "1nn", "lstm"} and all(len(v) == 2 for v in acc.values())
    assert acc["logistic"][0] != acc["logistic"][1] or acc["svm"][0] != acc["svm"][1]  # new splits
    # the LSTM of split 0 is train_reader's with that split's seed
    model = digits.train_reader(task, steps=3, seconds=60, seed=0)[0]
    y = task.labels[task.test]
    assert acc["lstm"][0] == np.mean(digits.predict(model, task, task.test) == y)
    assert set(digits.accuracy_over_splits([0], lstm_steps=0)) == {"logistic", "svm", "1nn"}
    with pytest.raises(ValueError, match="lstm_steps"):
        digits.accuracy_over_splits([0], lstm_steps=-1)


def test_stored_splits_are_complete_and_match_the_defaults():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "results" / "digits" / "splits.json"
    table = json.loads(path.read_text())
    assert table["config"] == {"seeds": list(digits.SPLIT_SEEDS), "fractions": [0.6, 0.2, 0.2],
                               "lstm_steps": digits.SPLIT_STEPS}
    assert set(table["test_accuracy"]) == {"logistic", "svm", "1nn", "lstm"}
    for values in table["test_accuracy"].values():
        assert len(values) == len(digits.SPLIT_SEEDS) and all(0.9 < v <= 1.0 for v in values)


def test_tune_losses_picks_the_best_mean_validation_rate():
    table = digits.tune_losses(steps=4, seeds=(0, 1), grid={"sgd": (0.1, 1.0), "adam": (1e-2,)},
                               log=lambda line: None)
    json.dumps(table)
    rows = table["grid_results"]
    assert len(rows) == (2 + 1) * 2 * 2  # (rates) x losses x seeds
    for key, lr in table["tuned_lr"].items():
        loss, opt = key.split("/")
        # oracle: the mean over seeds of each rate's best validation accuracy, first maximum
        rates = [r for r in (0.1, 1.0, 1e-2) if any(
            x["lr"] == r and x["optimizer"] == opt for x in rows)]
        means = [np.mean([x["best_val_accuracy"] for x in rows
                          if (x["optimizer"], x["loss"], x["lr"]) == (opt, loss, r)]) for r in rates]
        assert lr == rates[int(np.argmax(means))]
        picked = [x["test_accuracy"] for x in rows if (x["optimizer"], x["loss"], x["lr"]) == (opt, loss, lr)]
        assert table["at_tuned"][key]["test_accuracy"] == picked
    sgd = table["comparison"]["sgd"]
    assert sgd["difference"] == pytest.approx(sgd["ce_test_mean"] - sgd["mse_test_mean"])
    low, high = sgd["difference_bootstrap_ci95"]
    assert low <= sgd["difference"] + 1e-12 and sgd["difference"] - 1e-12 <= high


def test_stored_loss_tuning_is_complete_and_matches_the_defaults():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "results" / "digits" / "loss_tuning.json"
    table = json.loads(path.read_text())
    cfg = table["config"]
    assert cfg["steps"] == digits.COMPARISON_STEPS and cfg["seeds"] == list(digits.TUNING_SEEDS)
    assert cfg["grid"] == {k: list(v) for k, v in digits.LR_GRID.items()} and cfg["data_seed"] == 0
    assert cfg["model_defaults"] == digits.MODEL_DEFAULTS
    n_rates = sum(len(v) for v in digits.LR_GRID.values())
    assert len(table["grid_results"]) == n_rates * 2 * len(digits.TUNING_SEEDS)
    # the module's tuned rates are the stored choice, so the notebook's live rerun uses them
    assert table["tuned_lr"] == digits.TUNED_LR
    for key, row in table["at_tuned"].items():
        assert row["lr"] == digits.TUNED_LR[key] and len(row["test_accuracy"]) == len(digits.TUNING_SEEDS)
        assert all(curve[-1][0] == digits.COMPARISON_STEPS for curve in row["curves"])
