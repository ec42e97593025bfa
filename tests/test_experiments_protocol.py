"""rnn_helpers.experiments.protocol: budget checks, one thread, best-checkpoint training, summaries."""

import json
import re

import numpy as np
import pytest
import torch

from rnn_helpers.experiments import protocol


def test_check_budget():
    assert protocol.check_budget(2, 3) == (2.0, 3)
    assert isinstance(protocol.check_budget(np.float32(0.5))[0], float)
    for bad in (0, -1.0, float("nan"), float("inf"), "10", True):
        with pytest.raises(ValueError, match="seconds"):
            protocol.check_budget(bad)
    for bad in (-1, 1.5, "0", None):
        with pytest.raises(ValueError, match="seed"):
            protocol.check_budget(1.0, bad)


def test_one_thread_restores_the_thread_count():
    before = torch.get_num_threads()
    with protocol.one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError):
        with protocol.one_thread():
            raise RuntimeError("inside")
    assert torch.get_num_threads() == before


def scripted_run(scores, higher_is_better):
    """Train a one-weight model whose validation score follows ``scores``, one per evaluation."""
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1, bias=False)
    seen = []  # the weight at each evaluation

    def val_fn(m):
        seen.append(float(m.weight))
        return scores[len(seen) - 1]

    result, best_step = protocol.train_best(
        model, lambda step, rng: torch.ones(4, 1), lambda m, x: (m(x) ** 2).mean(), val_fn,
        max_steps=2 * len(scores), max_seconds=60, lr=0.1, eval_every=2,
        higher_is_better=higher_is_better)
    return model, result, best_step, seen


def test_train_best_keeps_the_best_checkpoint():
    model, result, best_step, seen = scripted_run([0.1, 0.5, 0.3, 0.5], True)
    assert [s for s, _ in result.evals] == [2, 4, 6, 8]
    assert best_step == 4  # the first of the two best scores
    assert model.weight.item() == seen[1] != seen[-1]
    model, result, best_step, seen = scripted_run([0.9, 0.2, 0.4, 0.2], False)
    assert best_step == 4 and model.weight.item() == seen[1]


def test_train_best_is_reproducible():
    a = scripted_run([0.1, 0.2], True)
    b = scripted_run([0.1, 0.2], True)
    assert a[1].losses == b[1].losses and a[3] == b[3]


def test_comparison():
    s = protocol.comparison("test accuracy", "higher", "GRU", 0.7, "LR", 0.65, (0.01, 0.09),
                            seeds=1)
    json.dumps(s)
    assert s["model"] == {"name": "GRU", "value": 0.7}
    assert s["baseline"] == {"name": "LR", "value": 0.65}
    assert s["difference"] == pytest.approx(0.05) and s["difference_ci95"] == [0.01, 0.09]
    assert s["metric"] == "test accuracy" and s["better"] == "higher" and s["seeds"] == 1
    assert protocol.comparison("bpc", "lower", "a", 1, "b", 2)["difference_ci95"] is None
    with pytest.raises(ValueError, match="better"):
        protocol.comparison("bpc", "smaller", "a", 1, "b", 2)


def test_require_step_budget_raises_only_for_the_clock():
    from rnn_helpers.models.training import TrainResult

    done = TrainResult()
    done.stopped, done.steps = "steps", 5
    assert protocol.require_step_budget(done, 10.0) is done
    cut = TrainResult()
    cut.stopped, cut.steps = "time", 3
    with pytest.raises(RuntimeError, match="safety cap of 10 s stopped training after 3"):
        protocol.require_step_budget(cut, 10.0)


def test_best_on_validation_keeps_the_first_best():
    scores = {0.1: 0.5, 1.0: 0.8, 10.0: 0.8}
    model, setting, score = protocol.best_on_validation(
        list(scores), lambda c: (f"model-{c}", scores[c]))
    assert (model, setting, score) == ("model-1.0", 1.0, 0.8)
    with pytest.raises(ValueError, match="candidates"):
        protocol.best_on_validation([], lambda c: (c, 0.0))


def test_run_log_prints_and_writes_each_line_at_once(tmp_path, capsys):
    path = tmp_path / "run.log"
    with protocol.run_log(path, "header", timestamps=False) as log:
        log("first")
        assert path.read_text() == "header\nfirst\n"  # flushed before the end
    assert capsys.readouterr().out == "first\n"
    with protocol.run_log(path) as log:  # appends, with a timestamp
        log("second")
    lines = path.read_text().splitlines()
    assert lines[:2] == ["header", "first"] and len(lines) == 3
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d second", lines[2])
    with protocol.run_log(path, "again") as log:  # a first line starts afresh
        pass
    assert path.read_text() == "again\n"
