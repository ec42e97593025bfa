"""Tests of rnn_helpers.experiments.dates: a tiny run, the baselines, the command line."""

import json

import numpy as np
import pytest
import torch

from rnn_helpers.data import dates as dd
from rnn_helpers.experiments import dates as app
from rnn_helpers.experiments.__main__ import main

ENGLISH = [s for s in dd.STYLES if s[0].startswith("en_")]


@pytest.fixture
def tiny(monkeypatch):
    """Small splits; run() trains on one thread and restores the thread count."""
    monkeypatch.setattr(app, "N_TRAIN", 480)
    monkeypatch.setattr(app, "N_VAL", 48)
    monkeypatch.setattr(app, "N_TEST", 96)
    n = torch.get_num_threads()
    yield
    assert torch.get_num_threads() == n


def test_tiny_run_is_json_and_consistent(tiny):
    out = app.run(seconds=0.6, seed=1)
    text = json.dumps(out)  # JSON-able
    assert json.loads(text)["seed"] == 1
    assert out["n_train"] == 480 and out["n_test"] == 96 and out["n_styles"] == 24
    assert out["step_budget"] == round(app.STEPS_PER_SECOND * 0.6)
    for name in ("plain", "attention"):
        m = out[name]
        assert 0 <= m["exact_match"] <= m["char_accuracy"] <= 1
        assert 0 <= m["teacher_forced_char_accuracy"] <= 1
        assert m["steps"] <= out["step_budget"] and m["stopped"] in ("steps", "time")
        assert len(m["per_style_exact_match"]) == 24
        assert m["val_exact_match"][-1][0] == m["steps"]
    assert out["attention"]["parameters"] > out["plain"]["parameters"]
    rules = out["baselines"]["english_rules"]
    assert rules["exact_match"] == rules["coverage"] == pytest.approx(len(ENGLISH) / 24)
    mode = out["baselines"]["mode"]
    assert mode["exact_match"] == 0.0 and len(mode["answer"]) == 10  # no test date occurs in training
    low, high = out["attention_minus_plain_ci95"]
    diff = out["attention"]["exact_match"] - out["plain"]["exact_match"]
    assert -1 <= low <= high <= 1 and (low <= diff <= high or low == high == diff)
    s = app.summary(out)
    assert s["difference"] == pytest.approx(diff) and s["difference_ci95"] == [low, high]
    assert s["english_rules"] == rules["exact_match"]


def test_run_is_reproducible(tiny):
    a, b = app.run(seconds=0.3, seed=0), app.run(seconds=0.3, seed=0)
    for name in ("plain", "attention"):
        if a[name]["stopped"] == b[name]["stopped"] == "steps":
            assert a[name]["final_train_loss"] == b[name]["final_train_loss"]
            assert a[name]["exact_match"] == b[name]["exact_match"]


def test_parse_english_is_right_on_english_and_silent_otherwise():
    days = np.array(["1950-01-02", "1968-09-30", "1987-03-09", "2000-02-29", "2049-12-31", "2011-11-05"],
                    "datetime64[D]")
    expected = [str(d) for d in days]
    for style in dd.STYLES:
        parsed = [app.parse_english(t) for t in dd.format_dates(days, style)]
        if style in ENGLISH:
            assert parsed == expected, style
        else:
            assert parsed == [None] * len(days), style
    assert app.parse_english("2/30/99") is None  # no such day
    with pytest.raises(ValueError, match="text"):
        app.parse_english(19870309)


def test_mode_baseline_and_per_style():
    assert app.mode_baseline(["1987-03-09", "1987-04-09", "2011-04-01"]) == "1987-04-09"
    pred = torch.tensor([[4, 5, 2], [4, 4, 2], [5, 2, 0], [4, 5, 2]])
    tgt = torch.tensor([[4, 5, 2], [4, 5, 2], [5, 2, 0], [4, 4, 2]])
    acc = app.per_style_exact_match(pred, tgt, np.array([0, 0, 1, 1]), 3)
    assert acc[:2].tolist() == [0.5, 0.5] and np.isnan(acc[2])


def test_validation():
    with pytest.raises(ValueError, match="seconds"):
        app.run(seconds=0)
    with pytest.raises(ValueError, match="seconds"):
        app.experiment(seconds=-1.0)
    with pytest.raises(ValueError, match="max_seconds"):
        app.experiment(seconds=1.0, max_seconds=0.0)
    with pytest.raises(ValueError, match="data"):
        app.experiment(seconds=1.0, data="dates")


def test_command_line(tiny, capsys):
    assert main(["dates", "--seconds", "0.2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"plain", "attention", "baselines"} <= set(out)


def _without_times(m):
    """Metrics without the wall-clock fields (the only ones allowed to differ)."""
    m = json.loads(json.dumps(m))
    m.pop("wall_seconds", None)
    for name in app.MODELS:
        m[name].pop("seconds")
    return m


def test_experiment_is_deterministic_and_steps_decide(tiny):
    # the notebook's experiment function, twice with a tiny budget: every
    # number but the wall times is identical, and each model trained exactly
    # its step budget (the lead saw 69.8 / 66.6 / 16.7 % when a time budget
    # decided the steps)
    runs = [app.metrics(app.experiment(0.4, seed=2, eval_every=2)) for _ in range(2)]
    assert _without_times(runs[0]) == _without_times(runs[1])
    for name in app.MODELS:
        assert runs[0][name]["steps"] == runs[0]["step_budget"] == 4
        assert [s for s, _ in runs[0][name]["val_exact_match"]] == [2, 4]


def test_safety_cap_raises_instead_of_shortening_a_run(tiny):
    with pytest.raises(RuntimeError, match="safety cap"):
        app.experiment(5.0, seed=0, max_seconds=1e-9)


def test_steps_to_reach():
    curve = [[20, 0.1], [40, 0.5], [60, 0.96]]
    assert app.steps_to_reach(curve, 0.5) == 40
    assert app.steps_to_reach(curve, 0.95) == 60
    assert app.steps_to_reach(curve, 0.99) is None
    with pytest.raises(ValueError, match="level"):
        app.steps_to_reach(curve, 1.5)


def test_stored_runs_are_complete_and_match_the_defaults():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "results" / "dates"
    runs = app.load_stored(folder)
    assert [r["seed"] for r in runs] == list(range(app.STORED_SEEDS))
    n_points = app.STORED_STEPS // app.STORED_EVAL_EVERY
    for r in runs:
        assert r["config"] == app.stored_config()  # the command's defaults
        assert r["step_budget"] == app.STORED_STEPS
        assert (r["n_train"], r["n_val"], r["n_test"]) == (app.N_TRAIN, app.N_VAL, app.N_TEST)
        assert (folder / f"seed_{r['seed']}.log").is_file()
        for name in app.MODELS:
            m = r[name]
            assert m["steps"] == app.STORED_STEPS
            curve = m["val_exact_match"]
            assert [s for s, _ in curve] == [app.STORED_EVAL_EVERY * (k + 1) for k in range(n_points)]
            assert all(0 <= v <= 1 for _, v in curve)
            assert len(m["per_style_exact_match"]) == r["n_styles"] == 24
            assert 0 <= m["exact_match"] <= 1
        low, high = r["attention_minus_plain_ci95"]
        assert low <= high


def test_seed_interval():
    mean, low, high = app.seed_interval([1.0, 2.0, 3.0, 4.0, 5.0], n=4000)
    assert mean == 3.0 and 1.0 <= low < mean < high <= 5.0
    assert app.seed_interval([2.0, 2.0]) == (2.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="values"):
        app.seed_interval([1.0])
