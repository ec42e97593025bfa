"""rnn_helpers.experiments.selective: the task, the stored results, a tiny run, the command."""

import json
import math

import numpy as np
import pytest
import torch

from rnn_helpers.experiments import selective as sel

RUN_KEYS = {"model", "seed", "steps", "stopped", "final_loss", "accuracy", "exact", "per_position",
            "success", "curve", "cpu_seconds", "wall_seconds", "n_params"}
TINY = {"max_steps": 3, "n_eval": 8, "n_test": 16, "eval_every": 2, "batch": 4}


# ---------------------------------------------------------------- the task


def test_selective_copy_batch_layout_and_determinism():
    L, M, V = 20, 5, 6
    tok, tgt = sel.selective_copy_batch(50, L, M, V, np.random.default_rng(0))
    tok2, tgt2 = sel.selective_copy_batch(50, L, M, V, np.random.default_rng(0))
    assert np.array_equal(tok, tok2) and np.array_equal(tgt, tgt2)
    assert tok.shape == (50, L + M) and tgt.shape == (50, M)
    assert tok.dtype == np.int64 and tgt.dtype == np.int64
    for row, target in zip(tok, tgt):
        data = row[:L][row[:L] != 0]  # the data symbols, in order of position
        assert len(data) == M  # symbols are 1..V, never the noise token 0
        assert np.array_equal(data - 1, target)
        assert np.array_equal(row[L:], V + 1 + np.arange(M))
    assert tgt.min() >= 0 and tgt.max() <= V - 1
    # the positions really vary from sequence to sequence
    first = [np.flatnonzero(r[:L])[0] for r in tok]
    assert len(set(first)) > 5


def test_selective_copy_batch_argument_checks():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="L"):
        sel.selective_copy_batch(2, 3, 4, 8, rng)
    with pytest.raises(ValueError, match="n_symbols"):
        sel.selective_copy_batch(2, 10, 4, 1, rng)
    with pytest.raises(ValueError, match="N"):
        sel.selective_copy_batch(0, 10, 4, 8, rng)


def test_wilson_interval_known_values():
    low, high = sel.wilson_interval(0, 10)
    assert low == 0 and abs(high - 0.2775) < 1e-3
    low, high = sel.wilson_interval(10, 10)
    assert abs(low - 0.7225) < 1e-3 and high == 1
    low, high = sel.wilson_interval(5, 10)
    assert abs(low - 0.2366) < 1e-3 and abs(high - 0.7634) < 1e-3
    with pytest.raises(ValueError):
        sel.wilson_interval(3, 2)


# ---------------------------------------------------------------- the models


@pytest.mark.parametrize("kind", ["lti", "delta", "selective", "gru"])
def test_models_shapes_and_seeding(kind):
    m1 = sel.make_model(kind, seed=3)
    m2 = sel.make_model(kind, seed=3)
    for a, b in zip(m1.parameters(), m2.parameters()):
        assert torch.equal(a, b)
    tok, _ = sel.selective_copy_batch(2, 24, 4, 8, np.random.default_rng(0))
    out = m1(torch.from_numpy(tok))
    assert out.shape == (2, 28, 8)


def test_the_models_differ_only_in_the_sequence_layer():
    names = {k: {n for n, _ in sel.make_model(k).named_parameters() if not n.startswith("mixer.")}
             for k in sel.MODELS}
    assert names["lti"] == names["selective"] == names["gru"]
    with pytest.raises(ValueError, match="kind"):
        sel.CopyNet("mamba", 13, 8, 16, 8)


def test_tiny_run_is_complete_and_reproducible():
    torch.set_num_threads(1)
    a = sel.run_one("selective", seed=1, **TINY)
    b = sel.run_one("selective", seed=1, **TINY)
    assert set(a) == RUN_KEYS
    assert a["steps"] == 3 and a["stopped"] == "steps"
    assert [s for s, _ in a["curve"]] == [2, 3]
    assert len(a["per_position"]) == sel.DEFAULTS["n_tokens"]
    assert 0 <= a["accuracy"] <= 1 and a["success"] == (a["accuracy"] >= sel.DEFAULTS["threshold"])
    for key in ("accuracy", "exact", "final_loss", "curve", "per_position"):
        assert a[key] == b[key], key


def test_command_writes_results_and_log(tmp_path):
    assert sel.main(["--seeds", "1", "--models", "lti", "gru", "--max-steps", "2",
                     "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert [r["model"] for r in results["runs"]] == ["lti", "gru"]
    assert results["config"]["max_steps"] == 2
    log = (tmp_path / "log.txt").read_text()
    assert "lti" in log and "success" in log


# ---------------------------------------------------------------- the stored results


@pytest.fixture(scope="module")
def stored():
    assert (sel.RESULTS_DIR / "results.json").exists(), "run python -m rnn_helpers.experiments.selective"
    return sel.load_results()


def test_stored_config_is_the_commands_default(stored):
    assert stored["config"] == sel.DEFAULTS
    assert stored["environment"]["threads"] == 1


def test_stored_runs_are_complete(stored):
    runs = stored["runs"]
    cfg = stored["config"]
    pairs = {(r["model"], r["seed"]) for r in runs}
    assert pairs == {(m, s) for m in cfg["models"] for s in range(cfg["seeds"])}
    assert len(runs) == len(pairs)
    for r in runs:
        assert set(r) == RUN_KEYS
        assert 1 <= r["steps"] <= cfg["max_steps"]
        assert r["stopped"] in ("steps", "target")
        assert r["stopped"] == "target" or r["steps"] == cfg["max_steps"]
        assert r["success"] == (r["accuracy"] >= cfg["threshold"])
        steps = [s for s, _ in r["curve"]]
        assert steps == sorted(steps) and steps[-1] == r["steps"]
        assert all(s % cfg["eval_every"] == 0 for s in steps[:-1])
        assert len(r["per_position"]) == cfg["n_tokens"]
        assert math.isclose(np.mean(r["per_position"]), r["accuracy"], abs_tol=1e-9)


def test_stored_summary_matches_the_runs(stored):
    assert stored["summary"] == sel.summarise(stored["runs"])


def test_stored_total_cpu_time_is_moderate(stored):
    total = sum(r["cpu_seconds"] for r in stored["runs"])
    assert total < 15 * 60


def test_stored_log_lists_every_run(stored):
    log = (sel.RESULTS_DIR / "log.txt").read_text()
    assert log.count(" seed ") == len(stored["runs"])
