"""rnn_helpers.experiments.showdown on tiny configurations: shapes, bookkeeping, reproducibility, CLI."""

import json
import re

import numpy as np
import pytest
import torch

from rnn_helpers.experiments import protocol
from rnn_helpers.numpy_rnn.gru_variants import count_parameters
from rnn_helpers.experiments.showdown import (
    CELLS,
    Reader,
    RunResult,
    ShowdownResult,
    main,
    make_model,
    run_one,
    run_showdown,
    state_gradient_norms,
)

TINY = {"H": 4, "batch_size": 8, "max_steps": 3, "n_eval": 16, "eval_every": 1}


@pytest.fixture(autouse=True)
def one_thread():
    with protocol.one_thread():
        yield


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_reader_shapes_and_model_type(cell):
    m = make_model(cell, "adding", H=5, seed=0)
    assert isinstance(m.rnn, CELLS[cell]) and m.rnn.batch_first
    assert m(torch.zeros(3, 7, 2)).shape == (3,)
    c = make_model(cell, "copy", H=5, n_symbols=6, seed=0)
    assert c(torch.zeros(3, 7, 8)).shape == (3, 7, 6)
    assert Reader(cell, 3, 4, out_size=2)(torch.zeros(2, 5, 3)).shape == (2, 2)


def test_make_model_is_seeded():
    a, b = make_model("gru", seed=3), make_model("gru", seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = make_model("gru", seed=4)
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_run_one_bookkeeping(cell):
    r = run_one(cell, 6, **TINY)
    assert isinstance(r, RunResult) and r.model == cell and r.T == 6
    assert r.steps == 3 and r.stopped == "steps" and len(r.losses) == 3
    assert [s for s, _ in r.curve] == [0, 1, 2, 3]
    assert r.error == r.curve[-1][1] and np.isfinite(r.error)
    assert r.success == (r.error < 0.05)
    assert r.n_params == count_parameters(cell, 2, 4)
    assert 0.05 < r.baseline < 0.4  # about 1/6 on 16 held-out sequences
    assert r.seconds > 0 and isinstance(r.net, Reader)
    row = r.row()
    assert list(row) == ["model", "T", "error", "success", "steps", "seconds"]


def test_run_one_is_reproducible_and_seed_dependent():
    a, b = run_one("lstm", 5, **TINY), run_one("lstm", 5, **TINY)
    assert a.curve == b.curve and a.losses == b.losses
    c = run_one("lstm", 5, seed=1, **TINY)
    assert c.losses != a.losses


def test_held_out_batch_and_baseline_match_the_task():
    from rnn_helpers.data import tasks

    r = run_one("rnn", 8, eval_seed=77, **TINY)
    _, y = tasks.fixed_batch(tasks.adding_problem, 16, seed=77, T=8)
    assert r.baseline == pytest.approx(float(((y - 1) ** 2).mean()))
    x_val, y_val = tasks.fixed_batch(tasks.adding_problem, 16, seed=77, T=8)
    with torch.no_grad():
        mse = float(torch.nn.functional.mse_loss(r.net(x_val), y_val))
    assert mse == pytest.approx(r.error, rel=1e-6)


def test_early_stopping_on_target_loss():
    r = run_one("gru", 4, H=4, batch_size=8, max_steps=50, n_eval=8, eval_every=10, target_loss=100.0)
    assert r.stopped == "target" and r.steps == 20  # the mean of the first 20 losses is below 100
    assert r.curve[-1][0] == 20


def test_gru_learns_a_short_adding_problem():
    r = run_one("gru", 4, H=8, batch_size=32, max_steps=300, n_eval=200, eval_every=100)
    assert r.error < 0.5 * r.baseline


def test_copy_task_runs_and_reports_symbol_error():
    r = run_one("gru", 2, task="copy", copy_length=3, n_symbols=4, **TINY)
    assert 0.0 <= r.error <= 1.0 and r.baseline == pytest.approx(0.75)
    assert r.success == (r.error < 0.1)
    assert r.n_params == count_parameters("gru", 6, 4)


def test_run_showdown_table_order_and_helpers():
    result = run_showdown(("gru", "rnn"), (7, 3), **TINY)
    assert isinstance(result, ShowdownResult)
    assert [(r.T, r.model) for r in result.runs] == [(3, "gru"), (3, "rnn"), (7, "gru"), (7, "rnn")]
    assert result.lengths == [3, 7] and result.models == ["gru", "rnn"]
    assert result.get("rnn", 7) is result.runs[3]
    with pytest.raises(KeyError):
        result.get("lstm", 3)
    rows = result.rows()
    assert rows[0]["model"] == "GRU" and rows[1]["model"] == "RNN (tanh)"
    md = result.to_markdown()
    assert md.splitlines()[0].startswith("| model | T | held-out MSE |") and len(md.splitlines()) == 6
    pd = pytest.importorskip("pandas")
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(rows[0]) and len(frame) == 4
    assert result.seconds == pytest.approx(sum(r.seconds for r in result.runs))
    assert result.settings["lengths"] == (3, 7)


def _fake(model, T, success):
    return RunResult(model, T, 0.01 if success else 0.2, 1 / 6, success, 10, 0.1, "steps")


def test_shortest_failure_and_longest_success():
    result = ShowdownResult(
        [_fake("rnn", 10, True), _fake("rnn", 30, False), _fake("rnn", 60, False),
         _fake("gru", 10, True), _fake("gru", 30, True), _fake("gru", 60, True),
         _fake("lstm", 10, False)],
        task="adding", threshold=0.05,
    )
    assert result.shortest_failure("rnn") == 30 and result.longest_success("rnn") == 10
    assert result.shortest_failure("gru") is None and result.longest_success("gru") == 60
    assert result.longest_success("lstm") is None


@pytest.mark.parametrize("call, message", [
    (lambda: run_one("transformer", 5), "cell: expected one of 'rnn', 'lstm', 'gru', got 'transformer'"),
    (lambda: run_one("gru", 1), "T: expected an integer >= 2, got 1"),
    (lambda: run_one("gru", 5, task="parity"), "task: expected one of 'adding', 'copy', got 'parity'"),
    (lambda: run_one("gru", 5, max_steps=0), "max_steps: expected a positive integer, got 0"),
    (lambda: run_one("gru", 5, lr=-1.0), "lr: expected a positive finite number, got -1.0"),
    (lambda: run_one("gru", 5, target_loss="soon"), "target_loss: expected a positive number, None or 'auto'"),
    (lambda: run_one("gru", 5, threshold=0), "threshold: expected a positive finite number, got 0"),
    (lambda: run_showdown((), (5,)), "cells: expected at least one"),
    (lambda: run_showdown(("gru",), ()), "lengths: expected at least one"),
    (lambda: make_model("gru", H=0), "H: expected a positive integer, got 0"),
])
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_command_line_prints_a_table(capsys):
    assert main(["--cells", "gru", "--lengths", "4", "--hidden", "3", "--max-steps", "2",
                 "--batch-size", "4"]) == 0
    out = capsys.readouterr().out
    assert "| GRU | 4 |" in out and "success: held-out MSE < 0.05" in out


# ---------------------------------------------------------------- gradient reach


def numpy_state_gradients(model, x):
    """mean_n ||d y_n / d s_t|| from the NumPy step functions (an independent computation)."""
    from rnn_helpers import numpy_rnn as nr

    params = nr.params_from_torch(model.rnn)
    w = model.head.weight.detach().double().numpy()[0]  # (H,)
    xs = x.double().numpy()
    N, T, _ = xs.shape
    H = w.shape[0]
    h, c, caches = np.zeros((N, H)), np.zeros((N, H)), []
    for t in range(T):
        if model.cell == "rnn":
            h, cache = nr.rnn_step_forward(xs[:, t], h, *params)
        elif model.cell == "gru":
            h, cache = nr.gru_step_forward(xs[:, t], h, *params)
        else:
            h, c, cache = nr.lstm_step_forward(xs[:, t], h, c, *params)
        caches.append(cache)
    dh, dc = np.tile(w, (N, 1)), np.zeros((N, H))
    norms = [None] * T
    for t in reversed(range(T)):
        norms[t] = np.linalg.norm(np.concatenate([dh, dc], axis=1) if model.cell == "lstm" else dh, axis=1).mean()
        if model.cell == "rnn":
            _, dh, *_ = nr.rnn_step_backward(dh, caches[t])
        elif model.cell == "gru":
            _, dh, *_ = nr.gru_step_backward(dh, caches[t])
        else:
            _, dh, dc, *_ = nr.lstm_step_backward(dh, dc, caches[t])
    return np.array(norms)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_state_gradient_norms_equal_numpy_backward(cell):
    model = make_model(cell, H=6, seed=2).double()
    x = torch.from_numpy(np.random.default_rng(3).random((5, 9, 2)))
    before = [p.detach().clone() for p in model.parameters()]
    norms = state_gradient_norms(model, x)
    assert norms.shape == (9,)
    assert np.allclose(norms, numpy_state_gradients(model, x), rtol=1e-10, atol=1e-14)
    assert all(p.requires_grad and p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert model.training  # restored


def test_state_gradient_norms_reject_bad_input():
    m = make_model("gru", H=3)
    with pytest.raises(ValueError, match=re.escape("x: expected a tensor of shape (N, T, D) with T >= 1 and D = 2")):
        state_gradient_norms(m, torch.zeros(2, 4, 3))
    with pytest.raises(ValueError, match="model: expected a Reader with one output"):
        state_gradient_norms(make_model("gru", "copy", H=3), torch.zeros(2, 4, 10))


def test_run_contract_runs_every_cell_at_every_length(monkeypatch):
    from rnn_helpers.experiments import showdown

    monkeypatch.setattr(showdown, "RUN_LENGTHS", (3, 4))
    metrics = showdown.run(0.1, seed=2)
    assert metrics["max_steps"] == max(1, round(showdown.STEPS_PER_SECOND * 0.1 / 6))
    assert [(r["model"], r["T"]) for r in metrics["rows"]] == [
        (showdown.NAMES[c], T) for T in (3, 4) for c in showdown.CELLS]
    assert all(r["steps"] <= metrics["max_steps"] for r in metrics["rows"])
    assert set(metrics["baseline"]) == {"3", "4"} and metrics["seed"] == 2
    s = showdown.summary(metrics)
    gru = next(r for r in metrics["rows"] if r["model"] == "GRU" and r["T"] == 4)
    assert s["model"] == {"name": "GRU", "value": gru["error"]} and s["metric"].endswith("T = 4")
    assert s["memoryless"] == metrics["baseline"]["4"]


# ---------------------------------------------------------------- the multi-seed grid

from rnn_helpers.experiments import showdown as sd  # noqa: E402


def test_stored_grid_is_complete_and_uses_the_defaults():
    data = sd.load_grid()
    config = data["config"]
    assert config["recipe"] == sd.GRID_CONFIG["recipe"]
    assert config["task_recipes"] == sd.GRID_CONFIG["task_recipes"]
    assert config["cells"] == sd.GRID_CONFIG["cells"]
    # the design: the three cells at every length, the variants, both tasks
    cells = {tuple(c) for c in config["cells"]}
    assert {("adding", m, T) for m in ("rnn", "lstm", "gru") for T in (10, 30, 60)} <= cells
    assert {("adding", m, 30) for m in ("lstm_fb1", "rnn_h57", "lstm_h27")} <= cells
    assert {("copy", m, 5) for m in ("rnn", "lstm", "gru")} <= cells
    assert len(config["seeds"]) >= 10 and config["seeds"] == sd.GRID_CONFIG["seeds"]
    # every (task, model, T, seed) exactly once, with a curve from step 0
    keys = [(r["task"], r["model"], r["T"], r["seed"]) for r in data["runs"]]
    want = [(t, m, T, s) for t, m, T in config["cells"] for s in config["seeds"]]
    assert keys == want
    for r in data["runs"]:
        recipe = sd.grid_recipe(r["task"])
        assert r["stopped"] in ("steps", "target")  # the step budget decided, never the clock
        assert r["steps"] <= recipe["max_steps"] and r["curve"][-1][0] == r["steps"]
        assert r["curve"][0][0] == 0 and r["curve"][-1][1] == r["error"]
        assert r["success"] == (r["error"] < sd.TASKS[r["task"]]["threshold"])
        assert r["n_params"] == count_parameters(r["cell"], 2 if r["task"] == "adding" else 10, r["H"])
        assert (r["step_success"] is None) == (not r["success"])
    # every cell of the table, recomputed from the runs
    assert data["summary"] == sd.summarise_grid(data["runs"])
    assert [(s["task"], s["model"], s["T"]) for s in data["summary"]] == [tuple(c) for c in config["cells"]]
    # the per-run log: one line per run, with the training losses
    lines = (sd.results_dir() / "runs.jsonl").read_text().splitlines()
    assert len(lines) == len(data["runs"])
    assert all(len(json.loads(x)["losses"]) == r["steps"] for x, r in zip(lines, data["runs"]))
    assert (sd.results_dir() / "showdown.log").exists()


def test_equal_budget_sizes_are_the_nearest():
    n_gru = count_parameters("gru", 2, 32)
    for name, cell in (("rnn_h57", "rnn"), ("lstm_h27", "lstm")):
        H = sd.VARIANTS[name][1]
        best = min(range(1, 200), key=lambda h: abs(count_parameters(cell, 2, h) - n_gru))
        assert H == best


def test_forget_bias_sets_the_total_forget_bias():
    m = make_model("lstm", "adding", H=5, seed=0, forget_bias=1.0)
    b = (m.rnn.bias_ih_l0 + m.rnn.bias_hh_l0).detach()  # blocks i, f, g, o
    assert torch.allclose(b[5:10], torch.ones(5))
    ref = make_model("lstm", "adding", H=5, seed=0)
    assert torch.equal(m.rnn.bias_ih_l0[:5], ref.rnn.bias_ih_l0[:5])  # other gates untouched
    with pytest.raises(ValueError, match="forget_bias"):
        make_model("gru", "adding", H=5, forget_bias=1.0)


def test_wilson_interval_and_median_interval():
    # Wilson 95 % for 7/10, by the closed formula's known value
    lo, hi = sd.wilson_interval(7, 10)
    assert abs(lo - 0.3968) < 1e-3 and abs(hi - 0.8922) < 1e-3
    assert sd.wilson_interval(10, 10)[1] == 1.0 and sd.wilson_interval(0, 10)[0] == 0.0
    with pytest.raises(ValueError, match="k"):
        sd.wilson_interval(11, 10)
    lo, hi = sd.median_interval([5.0] * 4)
    assert lo == hi == 5.0
    lo, hi = sd.median_interval([1, 2, 3, 4, 100])
    assert 1 <= lo <= 3 <= hi <= 100


def test_first_success_step():
    assert sd.first_success_step([(0, 0.2), (50, 0.1), (100, 0.04), (150, 0.01)], 0.05) == 100
    assert sd.first_success_step([(0, 0.2), (50, 0.1)], 0.05) is None


def test_grid_runs_summarises_and_resumes(tmp_path):
    recipe = {**sd.GRID_CONFIG["recipe"], "max_steps": 3, "n_eval": 16, "eval_every": 1}
    cells = [["adding", "gru", 4], ["copy", "lstm_fb1", 2]]
    partial = tmp_path / "partial.jsonl"
    data = sd.run_grid(cells, [0, 1], recipe=recipe, log=lambda s: None, partial=partial)
    assert [(r["model"], r["seed"]) for r in data["runs"]] == [("gru", 0), ("gru", 1), ("lstm_fb1", 0), ("lstm_fb1", 1)]
    assert [s["n"] for s in data["summary"]] == [2, 2]
    assert len(partial.read_text().splitlines()) == 4
    # a resumed grid reruns nothing and returns the same runs
    again = sd.run_grid(cells, [0, 1], recipe=recipe, log=lambda s: pytest.fail("rerun"), partial=partial)
    assert again["runs"] == data["runs"]
    # the same run twice gives the same record (curve and losses)
    one = sd.grid_run("adding", "gru", 4, 0, recipe)
    assert one["curve"] == data["runs"][0]["curve"] and one["losses"] == data["runs"][0]["losses"]
    path = sd.write_grid(data, tmp_path)
    assert sd.load_grid(tmp_path)["summary"] == data["summary"]
    assert path.name == "showdown.json" and (tmp_path / "runs.jsonl").exists()
    with pytest.raises(FileNotFoundError, match="--seeds 10"):
        sd.load_grid(tmp_path / "missing")


def test_grid_recipe_applies_the_task_changes():
    assert sd.grid_recipe("adding") == sd.GRID_CONFIG["recipe"]
    copy = sd.grid_recipe("copy")
    assert copy == {**sd.GRID_CONFIG["recipe"], **sd.GRID_CONFIG["task_recipes"]["copy"]}
    assert copy["max_steps"] > sd.GRID_CONFIG["recipe"]["max_steps"]
    old = {"recipe": {"max_steps": 5}}  # a stored config without task_recipes
    assert sd.grid_recipe("copy", old) == {"max_steps": 5}
    with pytest.raises(ValueError, match="task"):
        sd.grid_recipe("parity")


def test_task_recipes_reach_the_runs_and_extended_grids_reuse_stored_runs(tmp_path):
    recipe = {**sd.GRID_CONFIG["recipe"], "max_steps": 3, "n_eval": 16, "eval_every": 1}
    changes = {"copy": {"max_steps": 2}}
    cells = [["adding", "gru", 4], ["copy", "rnn", 2]]
    data = sd.run_grid(cells, [0], recipe=recipe, task_recipes=changes, log=lambda s: None)
    assert [r["steps"] for r in data["runs"]] == [3, 2]
    assert data["config"]["task_recipes"] == changes
    sd.write_grid(data, tmp_path)
    # a grid extended by one cell, with a changed copy recipe: the adding run is
    # reused, the copy run (other recipe) and the new cell are rerun
    assert sd._stored_as_partial(tmp_path) == 2
    ran = []
    more = cells + [["adding", "rnn", 4]]
    again = sd.run_grid(more, [0], recipe=recipe, task_recipes={"copy": {"max_steps": 1}},
                        log=ran.append, partial=tmp_path / "partial.jsonl")
    assert len(ran) == 2 and "copy rnn" in ran[0] and "adding rnn" in ran[1]
    assert again["runs"][0] == data["runs"][0]
    assert [r["steps"] for r in again["runs"]] == [3, 1, 3]
    assert sd._stored_as_partial(tmp_path) == 0  # a partial file exists: resume from it
