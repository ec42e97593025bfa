"""Tests of rnn_helpers.experiments.language_model: the model, the metrics and a tiny, fast run."""

import json
import math

import numpy as np
import pytest
import torch

from rnn_helpers.experiments import __main__ as cli
from rnn_helpers.experiments import language_model as lm
from rnn_helpers.experiments.metrics import block_bootstrap
from rnn_helpers.data.corpus import load_corpus
from rnn_helpers.models.ngram import bits_per_char


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_charlm_shapes_and_state(cell):
    torch.manual_seed(0)
    model = lm.CharLM(V=11, embed=3, hidden=5, cell=cell)
    x = torch.randint(0, 11, (2, 9))
    logits, state = model(x)
    assert logits.shape == (2, 9, 11)
    # reading in two pieces with the state carried equals one pass
    a, s = model(x[:, :4])
    b, _ = model(x[:, 4:], s)
    torch.testing.assert_close(torch.cat([a, b], 1), logits)
    with pytest.raises(ValueError, match=r"x: expected an int64 tensor of shape \(N, T\)"):
        model(x.float())
    with pytest.raises(ValueError, match="cell"):
        lm.CharLM(11, cell="rnn")
    with pytest.raises(ValueError, match="hidden"):
        lm.CharLM(11, hidden=0)


def test_loss_is_the_mean_cross_entropy():
    torch.manual_seed(1)
    model = lm.CharLM(V=7, embed=3, hidden=4)
    x, y = torch.randint(0, 7, (3, 5)), torch.randint(0, 7, (3, 5))
    logits, _ = model(x)
    logp = torch.log_softmax(logits, -1)
    expected = -logp.gather(-1, y[..., None]).mean()
    torch.testing.assert_close(lm.lm_loss(model, (x, y)), expected)


def test_target_log_probs_do_not_depend_on_the_chunk():
    torch.manual_seed(2)
    model = lm.CharLM(V=6, embed=3, hidden=4).double()
    blocks = np.random.default_rng(0).integers(0, 6, size=(3, 40))
    full = lm.target_log_probs(model, blocks, chunk=1000)
    assert full.shape == (3, 39) and np.all(full < 0)
    np.testing.assert_allclose(lm.target_log_probs(model, blocks, chunk=7), full, atol=1e-12)
    with torch.no_grad():
        logits, _ = model(torch.from_numpy(blocks[:, :-1]))
        ref = torch.log_softmax(logits, -1).gather(-1, torch.from_numpy(blocks[:, 1:, None]))[..., 0]
    np.testing.assert_allclose(full, ref.numpy(), atol=1e-12)
    assert math.isclose(lm.heldout_nll(model, blocks), -full.mean())
    with pytest.raises(ValueError, match="blocks"):
        lm.target_log_probs(model, blocks[:, :1])


def test_mixture():
    rng = np.random.default_rng(3)
    a, b = np.log(rng.uniform(0.01, 1, 50)), np.log(rng.uniform(0.01, 1, 50))
    assert math.isclose(lm.mixture_nll(a, b, 1.0), -a.mean())
    assert math.isclose(lm.mixture_nll(a, b, 0.0), -b.mean())
    mix = lm.mixture_nll(a, b, 0.3)
    assert math.isclose(mix, -np.log(0.3 * np.exp(a) + 0.7 * np.exp(b)).mean())
    lam, best = lm.best_mixture(a, b)
    assert best <= min(-a.mean(), -b.mean()) + 1e-12 and 0 <= lam <= 1
    with pytest.raises(ValueError, match="lam"):
        lm.mixture_nll(a, b, 1.5)
    with pytest.raises(ValueError, match="logp_b"):
        lm.mixture_nll(a, b[:3], 0.5)


def test_cosine_adam_schedule():
    p = torch.nn.Parameter(torch.zeros(2))
    opt = lm.CosineAdam([p], lr=1.0, total=4, final=0.1)
    seen = []
    for _ in range(6):
        p.grad = torch.ones(2)
        opt.step()
        seen.append(opt.param_groups[0]["lr"])
    expected = [0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(s / 4, 1))) for s in range(6)]
    np.testing.assert_allclose(seen, expected)
    with pytest.raises(ValueError, match="total"):
        lm.CosineAdam([p], lr=1.0, total=0)
    with pytest.raises(ValueError, match="final"):
        lm.CosineAdam([p], lr=1.0, total=3, final=0.0)


def test_tiny_experiment(corpus):
    config = lm.Config(hidden=16, embed=8, N=4, T=16, sample_chars=20)
    # a generous wall-time budget so the step budget decides, even on a loaded machine
    e = lm.experiment(600.0, seed=0, max_steps=12, config=config, eval_every=5, corpus=corpus)
    m = e.metrics
    json.dumps(m)  # JSON-able
    assert m["training"]["steps"] == 12 and m["training"]["stopped"] == "steps"
    assert [s for s, _ in e.result.evals] == [5, 10, 12]
    max_order = lm.NGRAM_MAX_ORDER
    assert 1 <= m["ngram"]["order"] < max_order and e.ngram_valid_nll.shape == (max_order,)
    assert m["ngram"]["order"] >= 9  # long contexts pay off on this corpus
    # the grid goes past the chosen order: the next order does not improve validation
    assert e.ngram_valid_nll[m["ngram"]["order"]] >= e.ngram_valid_nll[m["ngram"]["order"] - 1]
    for part in ("ngram", "rnn", "mixture"):
        r = m[part]["test"]
        assert math.isclose(r["bpc"], bits_per_char(r["nats"]), rel_tol=1e-3)
        assert math.isclose(r["perplexity"], math.exp(r["nats"]), rel_tol=1e-3)
    # 12 steps of a tiny model cannot beat a high-order n-gram; the mixture is never worse on validation
    assert m["rnn"]["test"]["bpc"] > m["ngram"]["test"]["bpc"]
    assert not m["rnn_beats_ngram_on_test"]
    assert m["rnn"]["valid"]["bpc"] < math.log2(corpus.V)  # it did learn something
    assert m["sample"]["text"].startswith("The ") and len(m["sample"]["text"]) == 24
    # block-bootstrap intervals of the test bpc differences, over the test blocks
    ci = m["test_bpc_difference_ci95"]
    assert set(ci) == {"rnn_minus_ngram", "mixture_minus_ngram", "mixture_minus_rnn"}
    diff = m["rnn"]["test"]["bpc"] - m["ngram"]["test"]["bpc"]
    assert 0 < ci["rnn_minus_ngram"][0] <= diff <= ci["rnn_minus_ngram"][1] + 1e-4
    bits_rnn = -lm.target_log_probs(e.model, corpus.test) / math.log(2.0)  # (B, L - 1)
    bits_ng = -e.ngram.log_probs(corpus.test, e.ngram_order)[:, 1:] / math.log(2.0)
    ref = block_bootstrap(bits_rnn, bits_ng, seed=0)
    assert ci["rnn_minus_ngram"] == [round(v, 4) for v in ref]
    s = lm.summary(m)
    assert s["model"]["value"] == m["rnn"]["test"]["bpc"] and s["better"] == "lower"
    assert s["baseline"]["name"] == f"{m['ngram']['order']}-gram Kneser-Ney"
    # the same seed gives the same run
    again = lm.experiment(600.0, seed=0, max_steps=12, config=config, eval_every=5, corpus=corpus,
                          ngram=(e.ngram, e.ngram_order, e.ngram_valid_nll))
    assert again.metrics["rnn"] == m["rnn"] and again.metrics["sample"] == m["sample"]


def test_config_grows_with_the_budget():
    small, large = lm.config_for(30.0), lm.config_for(lm.LARGE_BUDGET)
    assert small == lm.Config() and large.hidden > small.hidden
    assert large.steps_per_second < small.steps_per_second


def test_run_and_cli(capsys):
    assert cli.main(["language_model", "--seconds", "0.3", "--seed", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["training"]["max_steps"] == round(0.3 * lm.Config().steps_per_second)
    assert out["seed"] == 1 and out["config"]["hidden"] == lm.Config().hidden
    assert {"ngram", "rnn", "mixture", "sample", "data"} <= set(out)
    with pytest.raises(ValueError, match="seconds"):
        lm.experiment(0)


def test_run_prints_the_json_summary_line(capsys):
    assert cli.main(["language_model", "--seconds", "0.3", "--json"]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["experiment"] == "language_model"
    assert {"model", "baseline", "metric"} <= set(last)
    assert last["metric"] == "test bits per character" and last["better"] == "lower"


def test_two_layers_with_dropout():
    torch.manual_seed(0)
    model = lm.CharLM(V=11, embed=4, hidden=6, layers=2, dropout=0.5)
    x = torch.randint(0, 11, (3, 7))
    model.train()
    a, (h, c) = model(x)
    assert a.shape == (3, 7, 11) and h.shape == c.shape == (2, 3, 6)
    b, _ = model(x)
    assert not torch.allclose(a, b)  # dropout is active in training
    model.eval()
    torch.testing.assert_close(model(x)[0], model(x)[0])  # and off in evaluation
    with pytest.raises(ValueError, match="dropout"):
        lm.CharLM(11, dropout=1.0)
    with pytest.raises(ValueError, match="layers"):
        lm.CharLM(11, layers=0)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_stateful_loss_carries_the_state_across_batches(cell):
    torch.manual_seed(0)
    model = lm.CharLM(V=7, embed=3, hidden=5, cell=cell, layers=2).eval()
    x = torch.randint(0, 7, (2, 13))
    y = torch.randint(0, 7, (2, 12))
    loss_fn = lm.StatefulLoss()
    first = loss_fn(model, (x[:, :6], y[:, :6], True))
    second = loss_fn(model, (x[:, 6:12], y[:, 6:12], False))
    # two carried batches = one pass over the whole stream (oracle: F.cross_entropy)
    logits, _ = model(x[:, :12])
    ref = torch.nn.functional.cross_entropy(logits.reshape(-1, 7), y.reshape(-1),
                                            reduction="none").reshape(2, 12)
    torch.testing.assert_close(first, ref[:, :6].mean())
    torch.testing.assert_close(second, ref[:, 6:].mean())
    # the carried state is detached: the next backward pass stops at the batch boundary
    state = loss_fn.state if cell == "gru" else loss_fn.state[0]
    assert not state.requires_grad
    # reset starts from zeros again
    again = loss_fn(model, (x[:, :6], y[:, :6], True))
    torch.testing.assert_close(again, first)


def test_target_log_probs_with_reset_reads_each_chunk_from_zero():
    torch.manual_seed(1)
    model = lm.CharLM(V=9, embed=3, hidden=4)
    blocks = np.random.default_rng(0).integers(0, 9, size=(2, 21))
    logp = lm.target_log_probs(model, blocks, chunk=5, reset=True)  # (2, 20)
    for s in range(0, 20, 5):
        part = lm.target_log_probs(model, blocks[:, s:s + 6])  # a block of its own
        np.testing.assert_allclose(logp[:, s:s + 5], part, rtol=1e-10)
    carried = lm.target_log_probs(model, blocks, chunk=5)
    assert not np.allclose(carried[:, 5:], logp[:, 5:])
    np.testing.assert_allclose(carried[:, :5], logp[:, :5], rtol=1e-10)


def test_train_model_stateful_and_windowed(corpus):
    for stateful in (True, False):
        config = lm.Config(hidden=8, embed=4, N=4, T=16, stateful=stateful)
        model, result, best = lm.train_model(corpus, config, 6, 600.0, seed=0, eval_every=3)
        assert result.steps == 6 and [s for s, _ in result.evals] == [3, 6]
        assert best in (3, 6) and not model.training


def test_checkpoint_command_writes_and_loads(tmp_path, monkeypatch):
    tiny = lm.Config(hidden=8, embed=4, layers=2, dropout=0.1, N=4, T=16)
    monkeypatch.setattr(lm, "CHECKPOINT_CONFIG", tiny)
    assert cli.main(["language_model", "--save", str(tmp_path), "--steps", "4",
                     "--eval-every", "2"]) == 0
    for name in lm.CHECKPOINT_FILES.values():
        assert (tmp_path / name).is_file()
    model, record = lm.load_checkpoint(tmp_path)
    assert lm.Config(**record["config"]) == tiny and record["steps"] == 4
    assert record["command"].endswith("--save --steps 4")
    assert [s for s, _ in record["valid_curve_bpc"]] == [2, 4]
    assert all(p.dtype == torch.float32 for p in model.parameters())
    stored = torch.load(tmp_path / lm.CHECKPOINT_FILES["weights"], weights_only=True)
    assert all(v.dtype == torch.float16 for v in stored.values() if v.is_floating_point())
    log = (tmp_path / lm.CHECKPOINT_FILES["log"]).read_text()
    assert "step      4  validation" in log and "stopped on steps" in log


def test_the_stored_checkpoint_is_complete_and_matches_the_command(corpus):
    from rnn_helpers.experiments.protocol import results_dir

    folder = results_dir("language_model")
    for name in lm.CHECKPOINT_FILES.values():
        assert (folder / name).is_file(), f"missing {name}: run python -m rnn_helpers.experiments language_model --save"
    assert (folder / lm.CHECKPOINT_FILES["weights"]).stat().st_size <= 10 * 2 ** 20
    model, record = lm.load_checkpoint(folder)
    # the recorded configuration is the command's default
    assert lm.Config(**record["config"]) == lm.CHECKPOINT_CONFIG
    assert record["command"] == "python -m rnn_helpers.experiments language_model --save"
    assert record["max_steps"] == record["steps"] == lm.CHECKPOINT_STEPS
    assert record["stopped"] == "steps" and record["seed"] == lm.CHECKPOINT_SEED
    assert record["eval_every"] == lm.CHECKPOINT_EVAL_EVERY and record["threads"] == 1
    assert record["vocab"] == "".join(corpus.vocab) and record["vocab_size"] == corpus.V
    steps = [s for s, _ in record["valid_curve_bpc"]]
    assert steps == list(range(lm.CHECKPOINT_EVAL_EVERY, lm.CHECKPOINT_STEPS + 1,
                               lm.CHECKPOINT_EVAL_EVERY))
    assert record["best_step"] in steps
    assert record["parameters"] == sum(p.numel() for p in model.parameters())
    # the stored weights give the recorded validation loss (re-evaluated here)
    valid = bits_per_char(lm.heldout_nll(model, corpus.valid))
    assert math.isclose(valid, record["valid_bpc_stored_float16"], abs_tol=1e-3)
    best = dict(map(tuple, record["valid_curve_bpc"]))[record["best_step"]]
    assert math.isclose(valid, best, abs_tol=5e-3)  # float16 rounding costs almost nothing
