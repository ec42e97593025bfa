"""rnn_helpers.experiments.minimal: the stored runs are complete and match the
command's defaults, a tiny run works end to end, the pieces are right."""

import json

import numpy as np
import pytest
import torch

from rnn_helpers.experiments import minimal as mx
from rnn_helpers.experiments import showdown
from rnn_helpers.torch_rnn.minimal import MinGRU


def normalised(obj):
    """As it comes back from JSON (tuples become lists)."""
    return json.loads(json.dumps(obj))


# ---------------------------------------------------------------- stored results


def test_stored_tasks_are_complete_and_use_the_defaults():
    data = mx.load_results("tasks")
    assert data["config"] == normalised(mx.TASKS_CONFIG)
    cfg = data["config"]
    keys = {(r["task"], r["T"], r["seed"], r["cell"]) for r in data["runs"]}
    want = {(t, T, s, c) for t, T in cfg["settings"] for s in cfg["seeds"] for c in cfg["cells"]}
    assert keys == want and len(data["runs"]) == len(want)
    for r in data["runs"]:
        assert r["stopped"] in ("steps", "target")  # the step budget decided, never the clock
        assert r["steps"] <= cfg["recipe"]["max_steps"]
        assert r["curve"][0][0] == 0 and r["curve"][-1][0] == r["steps"]
        assert r["curve"][-1][1] == r["error"]
        threshold = showdown.TASKS[r["task"]]["threshold"]
        assert r["success"] == (r["error"] < threshold)
    assert data["summary"] == normalised(mx.summarise(data["runs"]))
    assert data["cpu_seconds"] < 20 * 60  # the stored runs stay moderate


def test_stored_ch6_runs_match_chapter_6s_grid():
    data = mx.load_results("ch6")
    assert data["config"] == normalised(mx.CH6_CONFIG)
    cfg = data["config"]
    keys = {(r["task"], r["T"], r["seed"], r["cell"]) for r in data["runs"]}
    assert keys == {(t, T, s, c) for t, T in cfg["settings"] for s in cfg["seeds"] for c in cfg["cells"]}
    grid = showdown.load_grid()
    assert cfg["seeds"] == grid["config"]["seeds"]
    assert {(t, T) for t, _, T in grid["config"]["cells"]} == {tuple(x) for x in cfg["settings"]}
    for key, value in grid["config"]["recipe"].items():  # the same recipe as the grid
        assert cfg["recipe"][key] == value, key
    assert cfg.get("task_recipes", {}) == grid["config"].get("task_recipes", {})
    for r in data["runs"]:
        assert r["stopped"] in ("steps", "target")
    assert data["summary"] == normalised(mx.summarise(data["runs"]))


def test_stored_timing_is_complete_and_uses_the_defaults():
    data = mx.load_results("timing")
    assert data["config"] == normalised(mx.TIMING_CONFIG)
    cfg = data["config"]
    keys = {(r["threads"], r["T"], r["model"]) for r in data["rows"]}
    first, *others = cfg["threads"]
    want = {(first, T, m) for T in cfg["lengths"] for m in cfg["models"]}
    want |= {(k, T, m) for k in others for T in cfg["lengths"] for m in cfg["thread_models"]}
    assert keys == want and len(data["rows"]) == len(want)
    for r in data["rows"]:
        reps = cfg["repeats"] if r["T"] <= cfg["long_T"] else (
            1 if r["model"] in cfg["once_models"] else cfg["long_repeats"])
        assert len(r["all"]) == reps and r["seconds"] == min(r["all"]) > 0
        assert np.isclose(r["per_sequence"], r["seconds"] / cfg["N"])
    for k in cfg["threads"]:
        for m in cfg["models"]:
            pts = [(r["T"], r["seconds"]) for r in data["rows"] if r["threads"] == k and r["model"] == m]
            if pts:
                assert np.isclose(data["slopes"][str(k)][m], mx.fit_slope(*zip(*pts)))
            else:
                assert m not in data["slopes"][str(k)]
    assert data["cpu_seconds"] < 10 * 60


def test_the_command_defaults_are_the_configs(monkeypatch, tmp_path):
    """`python -m rnn_helpers.experiments.minimal all` runs exactly the stored configs."""
    calls = {"tasks": []}

    def fake_tasks(cells, settings, seeds, **kwargs):
        calls["tasks"].append((list(cells), [list(s) for s in settings], list(seeds), kwargs))
        return {"runs": [], "cpu_seconds": 0.0, "wall_seconds": 0.0}

    def fake_timing(lengths, models, threads, **kwargs):
        calls["timing"] = (list(lengths), list(models), list(threads), kwargs)
        return {"slopes": {}, "cpu_seconds": 0.0}

    monkeypatch.setattr(mx, "run_tasks", fake_tasks)
    monkeypatch.setattr(mx, "run_timing", fake_timing)
    assert mx.main(["all", "--out", str(tmp_path)]) == 0
    assert len(calls["tasks"]) == 2  # tasks, then ch6
    for (cells, settings, seeds, kwargs), config in zip(calls["tasks"],
                                                        (mx.TASKS_CONFIG, mx.CH6_CONFIG)):
        assert (cells, settings, seeds) == (config["cells"], config["settings"], config["seeds"])
        # no recipe override: run_tasks uses TASKS_CONFIG["recipe"]; chapter 6's
        # grid adds its per-task changes (the copy task's step budget)
        assert set(kwargs) - {"task_recipes"} == {"log"}
        assert kwargs.get("task_recipes", {}) == config.get("task_recipes", {})
    lengths, models, threads, kwargs = calls["timing"]
    assert (lengths, models, threads) == (mx.TIMING_CONFIG["lengths"], mx.TIMING_CONFIG["models"],
                                          mx.TIMING_CONFIG["threads"])
    assert kwargs["repeats"] == mx.TIMING_CONFIG["repeats"]


def test_function_defaults_are_the_configs():
    import inspect

    t = inspect.signature(mx.run_tasks).parameters
    assert [list(s) for s in t["settings"].default] == mx.TASKS_CONFIG["settings"]
    assert list(t["cells"].default) == mx.TASKS_CONFIG["cells"]
    assert list(t["seeds"].default) == mx.TASKS_CONFIG["seeds"]
    assert t["threads"].default == mx.TASKS_CONFIG["threads"]
    g = inspect.signature(mx.run_timing).parameters
    for name in ("lengths", "models", "threads"):
        assert list(g[name].default) == mx.TIMING_CONFIG[name]
    assert list(g["thread_models"].default) == mx.TIMING_CONFIG["thread_models"]
    assert list(g["once_models"].default) == mx.TIMING_CONFIG["once_models"]
    for name in ("N", "H", "repeats", "warmup", "long_T", "long_repeats"):
        assert g[name].default == mx.TIMING_CONFIG[name]
    recipe = {k: v for k, v in mx.TASKS_CONFIG["recipe"].items() if k != "max_seconds"}
    assert recipe == {k: v for k, v in mx.RECIPE.items() if k != "max_seconds"}
    assert mx.RECIPE["max_steps"] == 800 and mx.RECIPE["lr"] == 1e-2  # chapter 6's recipe


def test_recipe_is_showdowns_and_nothing_is_left_out():
    """Every keyword of showdown.run_one outside the recipe is off by default."""
    import inspect

    params = inspect.signature(showdown.run_one).parameters
    for name in mx.RECIPE_KEYS:
        assert mx.RECIPE[name] == params[name].default
    others = [n for n, p in params.items() if p.default is not inspect.Parameter.empty
              and n not in mx.RECIPE_KEYS and n not in ("task", "seed")]
    for name in others:
        assert params[name].default is None, (
            f"showdown.run_one has a new option {name}={params[name].default!r}: "
            "decide whether it belongs to the recipe (then rerun the stored tasks)")


# ---------------------------------------------------------------- a tiny run


def test_tiny_run_end_to_end(tmp_path, monkeypatch):
    # chapter 6's part with a one-run grid: its real grid (two cells, every
    # setting, ten seeds, the copy task's own step budget) is what
    # test_the_command_defaults_are_the_configs checks is passed on
    tiny_ch6 = {**mx.CH6_CONFIG, "cells": ["mingru"], "settings": [("adding", 6)],
                "seeds": [0], "task_recipes": {}}
    monkeypatch.setattr(mx, "CH6_CONFIG", tiny_ch6)
    assert mx.main(["all", "--out", str(tmp_path), "--cells", "mingru", "gru",
                    "--settings", "adding:6", "copy:2", "--seeds", "0", "--max-steps", "3",
                    "--lengths", "4", "8", "--models", "mingru_scan", "nn_gru",
                    "--threads", "1", "--repeats", "1"]) == 0
    tasks_data = mx.load_results("tasks", tmp_path)
    assert len(tasks_data["runs"]) == 4 and tasks_data["config"]["recipe"]["max_steps"] == 3
    assert {r["cell"] for r in tasks_data["runs"]} == {"mingru", "gru"}
    timing_data = mx.load_results("timing", tmp_path)
    assert len(timing_data["rows"]) == 4
    assert len(mx.load_results("ch6", tmp_path)["runs"]) == 1
    assert (tmp_path / "minimal.log").read_text().count("\n") >= 8
    with pytest.raises(SystemExit):
        mx.main(["tasks", "--out", str(tmp_path), "--settings", "adding"])


def test_runs_are_reproducible_and_baselines_are_showdowns():
    kw = dict(max_steps=6, n_eval=20, eval_every=3)
    one = mx.run_one("minlstm", 5, task="adding", seed=1, **kw)
    two = mx.run_one("minlstm", 5, task="adding", seed=1, **kw)
    assert one == {**two, "seconds": one["seconds"]}
    base = mx.run_one("lstm", 5, task="copy", seed=0, **kw)
    ref = showdown.run_one("lstm", 5, task="copy", seed=0, **kw)
    assert base["error"] == ref.error and base["curve"] == [list(p) for p in ref.curve]
    with pytest.raises(ValueError, match="unknown recipe"):
        mx.run_one("mingru", 5, lr_schedule="cosine")
    with pytest.raises(ValueError, match="task"):
        mx.run_one("mingru", 5, task="sort")


def test_reader_wraps_the_minimal_cell():
    model = mx.make_model("mingru", "copy", 6, n_symbols=4, seed=0)
    assert isinstance(model, showdown.Reader) and isinstance(model.rnn, MinGRU)
    x = torch.randn(3, 9, 6)
    out, _ = model.rnn(x)
    assert torch.allclose(model(x), model.head(out))  # per-step read-out, (N, T, V)
    adding = mx.make_model("minlstm", "adding", 5, seed=0)
    assert adding(torch.randn(2, 7, 2)).shape == (2,)
    assert isinstance(mx.make_model("gru"), showdown.Reader)
    with pytest.raises(ValueError, match="cell"):
        mx.MinimalReader("gru", 2, 3)


def test_timing_models_share_weights_and_compute_the_same():
    torch.manual_seed(0)
    x = torch.randn(2, 5, 2)
    nn_gru = mx._timing_model("nn_gru", 4)
    course = mx._timing_model("course_gru", 4)
    assert torch.allclose(nn_gru(x), course(x), atol=1e-6)
    scan, seq = mx._timing_model("mingru_scan", 4), mx._timing_model("mingru_sequential", 4)
    assert torch.allclose(scan(x), seq(x), atol=1e-6)
    row = mx.time_training_step("mingru_scan", 8, N=2, H=3, repeats=2, warmup=0)
    assert row["per_sequence"] == row["seconds"] / 2 and len(row["all"]) == 2
    assert row["seconds"] == min(row["all"]) <= row["median"]
    with pytest.raises(ValueError, match="models"):
        mx.run_timing([4], ["gru"])


def test_registry_contract_run_and_summary():
    metrics = mx.run(seconds=0.25, seed=0)
    assert metrics["model"] == "minGRU" and metrics["max_steps"] == 10
    assert 1 <= metrics["steps"] <= 10
    assert set(metrics) >= {"error", "baseline", "success", "seconds"}
    again = mx.run(seconds=0.25, seed=0)  # a step budget, so reproducible
    assert again["error"] == metrics["error"]
    s = mx.summary(metrics)
    assert s["model"]["value"] == metrics["error"] and s["better"] == "lower"
    assert s["baseline"]["value"] == metrics["baseline"]
    with pytest.raises(ValueError, match="seconds"):
        mx.run(0)


# ---------------------------------------------------------------- statistics


def test_wilson_interval_against_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in ((0, 5), (3, 5), (5, 5), (7, 10), (1, 1)):
        low, high = mx.wilson_interval(k, n)
        ref = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert np.allclose((low, high), ref, atol=1e-3)  # z = 1.96 vs the exact quantile
        assert low <= k / n <= high
    with pytest.raises(ValueError):
        mx.wilson_interval(3, 2)


def test_fit_slope_and_summary():
    T = [64, 256, 1024, 4096]
    assert np.isclose(mx.fit_slope(T, [2.0 * t**1.5 for t in T]), 1.5)
    assert np.isclose(mx.fit_slope(T, [3.0 for _ in T]), 0.0, atol=1e-12)
    assert mx.fit_slope([64, 128], [1, 2]) is None  # nothing at T >= 256
    runs = [{"task": "adding", "T": 5, "cell": "mingru", "success": s, "error": e,
             "steps": 10, "seconds": 1.0} for s, e in ((True, 0.01), (False, 0.2), (True, 0.03))]
    (row,) = mx.summarise(runs)
    assert row["successes"] == 2 and row["n"] == 3 and np.isclose(row["median_error"], 0.03)
    with pytest.raises(ValueError, match="name"):
        mx.load_results("other")
    assert mx.CH6_CONFIG["recipe"] == mx.TASKS_CONFIG["recipe"]
    with pytest.raises(FileNotFoundError, match="run"):
        mx.load_results("tasks", directory=mx.results_dir() / "missing")
