"""``python -m rnn_helpers.experiments``: the command line of the application chapters."""

import importlib

import pytest

from rnn_helpers.experiments import APPS
from rnn_helpers.experiments.__main__ import main


def test_list(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for name in APPS:
        assert name in out


def test_every_app_has_a_run_function():
    for name in APPS:
        module = importlib.import_module(f"rnn_helpers.experiments.{name}")
        assert callable(module.run), name


def test_bad_arguments():
    with pytest.raises(SystemExit):
        main(["no_such_app"])
    with pytest.raises(SystemExit):
        main(["dates", "--seconds", "0"])
    assert main([]) == 2
