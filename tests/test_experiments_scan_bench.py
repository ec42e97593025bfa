"""rnn_helpers.experiments.scan_bench: the benchmark of `make bench` runs and reports ratios."""

import json

import pytest

from rnn_helpers.experiments import scan_bench


def test_numpy_rows_are_ratios_of_what_was_timed():
    row = scan_bench.bench_numpy_scan(33, N=2, H=3, repeats=1)
    assert row["scan_ratio"] == pytest.approx(row["scan_ms"] / row["loop_ms"])
    assert row["blelloch_ratio"] == pytest.approx(row["blelloch_ms"] / row["loop_ms"])
    assert row["max_diff"] < 1e-12  # both computed the same recurrence


def test_torch_row_and_table():
    row = scan_bench.bench_mingru_vs_gru(16, N=2, D=2, H=3, repeats=1)
    assert row["ratio"] == pytest.approx(row["mingru_ms"] / row["gru_ms"])
    results = {"numpy": [scan_bench.bench_numpy_scan(8, repeats=1)], "torch": [row]}
    text = scan_bench.format_table(results, load=1.0)
    assert "scan/loop" in text and "minGRU/GRU" in text and "load average 1.00" in text


def test_main_prints_json(capsys):
    assert scan_bench.main(["--lengths", "8", "--repeats", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["T"] for r in data["numpy"]] == [8, 8]  # N*H = 1 and a batch
    assert data["torch"][0]["T"] == 8
    with pytest.raises(SystemExit):
        scan_bench.main(["--repeats", "0"])


def test_median_time_checks_its_arguments():
    assert scan_bench.median_time(lambda: None, repeats=3, warmup=0) >= 0
    with pytest.raises(ValueError):
        scan_bench.median_time(lambda: None, repeats=0)
