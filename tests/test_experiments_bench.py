"""rnn_helpers.experiments.bench: NumPy vs torch.nn timing on tiny sizes."""

import json

import pytest

from rnn_helpers.experiments import bench

TINY = dict(N=2, T=3, D=2, H=3, warmup=0, rounds=1, pause=0.0)


def test_bench_cell_reports_medians_and_their_ratio():
    r = bench.bench_cell("LSTM", repeats=3, **TINY)
    assert r["cell"] == "LSTM" and r["repeats"] == 3 and (r["N"], r["T"], r["D"], r["H"]) == (2, 3, 2, 3)
    assert 0 < r["numpy_min_ms"] <= r["numpy_ms"] and 0 < r["torch_min_ms"] <= r["torch_ms"]
    assert r["ratio"] == pytest.approx(r["numpy_ms"] / r["torch_ms"])
    json.dumps(r)


def test_a_time_budget_sets_the_number_of_runs():
    short = bench.bench_cell("GRU", seconds=1e-6, **TINY)
    assert short["repeats"] == 1  # at least one timed run per block
    longer = bench.bench_cell("GRU", seconds=0.5, **TINY)
    assert longer["repeats"] > 1


def test_bench_cells_and_table():
    results = bench.bench_cells(("RNN", "GRU"), repeats=1, **TINY)
    assert [r["cell"] for r in results] == ["RNN", "GRU"]
    table = bench.format_table(results, load=1.5)
    assert "load average 1.50" in table and table.count("\n") == 3


@pytest.mark.parametrize("kwargs, message", [
    (dict(cell="LSTMs"), "cell"), (dict(dtype="float16"), "dtype"), (dict(repeats=0), "repeats"),
    (dict(rounds=0), "rounds"), (dict(warmup=-1), "warmup"), (dict(N=0), "N"),
    (dict(seconds=0), "seconds"),
])
def test_bad_arguments(kwargs, message):
    args = {"cell": "RNN", **TINY, **kwargs}
    with pytest.raises(ValueError, match=message):
        bench.bench_cell(**args)


def test_summary_puts_numpy_against_torch():
    metrics = {"results": [{"cell": "RNN", "numpy_ms": 1.0, "torch_ms": 2.0, "ratio": 0.5},
                           {"cell": "GRU", "numpy_ms": 3.0, "torch_ms": 1.0, "ratio": 3.0}]}
    s = bench.summary(metrics)
    assert s["model"]["value"] == 4.0 and s["baseline"]["value"] == 3.0 and s["difference"] == 1.0
    assert s["ratio"] == {"RNN": 0.5, "GRU": 3.0} and s["better"] == "lower"


def test_a_tight_budget_shortens_the_warm_up():
    r = bench.bench_cell("RNN", seconds=1e-6, **{**TINY, "warmup": 5, "rounds": 3})
    assert r["warmup"] == 0 and r["rounds"] == 1 and r["repeats"] == 1
    r = bench.bench_cell("RNN", repeats=2, **{**TINY, "warmup": 2})
    assert r["warmup"] == 2  # without a budget the warm-up is kept
