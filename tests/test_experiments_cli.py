"""``python -m rnn_helpers.experiments``: one command line and one contract for every experiment."""

import inspect
import json
import subprocess
import sys

import pytest

from rnn_helpers.experiments import APPLICATIONS, EXPERIMENTS, load
from rnn_helpers.experiments.__main__ import main


def contract(seconds: float, seed: int = 0) -> dict:
    """The signature every experiment's ``run`` has."""


def test_list(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for name in EXPERIMENTS:
        assert name in out
    assert set(APPLICATIONS) <= set(EXPERIMENTS)
    assert {"showdown", "bench"} <= set(EXPERIMENTS)


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_every_run_has_the_same_signature(name):
    module = load(name)
    assert inspect.signature(module.run, eval_str=True) == inspect.signature(contract)
    assert list(inspect.signature(module.summary).parameters) == ["metrics"]


def test_load_rejects_unknown_names():
    with pytest.raises(ValueError, match="name"):
        load("no_such_experiment")


def test_bad_arguments():
    with pytest.raises(SystemExit):
        main(["no_such_app"])
    with pytest.raises(SystemExit):
        main(["dates", "--seconds", "0"])
    with pytest.raises(SystemExit):
        main(["dates", "--seconds", "nan"])
    with pytest.raises(SystemExit):
        main(["dates", "--seed", "-1"])
    assert main([]) == 2


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_run_rejects_a_bad_budget(name):
    run = load(name).run
    with pytest.raises(ValueError, match="seconds"):
        run(0)
    with pytest.raises(ValueError, match="seed"):
        run(1.0, seed=-1)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_every_experiment_runs_from_the_command_line_with_a_tiny_budget(name, capsys):
    assert main([name, "--seconds", "0.05", "--seed", "1", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    metrics, summary = json.loads("\n".join(lines[:-1])), json.loads(lines[-1])
    assert isinstance(metrics, dict) and metrics
    assert summary["experiment"] == name
    for field in ("metric", "model", "baseline"):
        assert field in summary
    for side in ("model", "baseline"):
        assert isinstance(summary[side]["name"], str) and summary[side]["name"]
        assert isinstance(summary[side]["value"], float)
    assert summary["better"] in ("higher", "lower")
    assert summary["difference"] == pytest.approx(
        summary["model"]["value"] - summary["baseline"]["value"])
    ci = summary["difference_ci95"]
    assert ci is None or ci[0] <= ci[1]
    # the summary is computed from the printed metrics alone
    assert {"experiment": name, **load(name).summary(metrics)} == summary


@pytest.mark.slow
def test_module_command_lines_still_work():
    out = subprocess.run([sys.executable, "-m", "rnn_helpers.experiments.bench", "--repeats", "1",
                          "--warmup", "0", "--rounds", "1", "--cells", "GRU", "-N", "2", "-T", "3",
                          "-D", "2", "-H", "3", "--json"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    result = json.loads(out)["results"][0]
    assert result["cell"] == "GRU" and result["repeats"] == 1 and result["numpy_ms"] > 0


def test_other_options_go_to_the_experiments_own_command(monkeypatch):
    """``NAME --seeds 10`` is the module's own storing command with ``--seeds 10``."""
    module = load("showdown")
    seen = []
    monkeypatch.setattr(module, "main", lambda argv: seen.append(list(argv)) or 0)
    assert main(["showdown", "--seeds", "10", "--jobs", "2"]) == 0
    assert seen == [["--seeds", "10", "--jobs", "2"]]
    with pytest.raises(SystemExit):
        main(["--no-such-option"])
