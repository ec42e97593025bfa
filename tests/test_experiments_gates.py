"""rnn_helpers.experiments.gates: the stored LSTM loads and matches the command's
defaults; the gate trace equals torch.nn.LSTM; the unit-selection helpers."""

import json

import numpy as np
import pytest
import torch

from rnn_helpers.data.corpus import load_corpus
from rnn_helpers.experiments import gates as gx


def normalised(obj):
    return json.loads(json.dumps(obj))


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_stored_checkpoint_loads_and_uses_the_defaults(corpus):
    model, record = gx.load_gates()
    assert record["config"] == normalised(gx.GATES_CONFIG)
    assert record["steps"] == gx.GATES_CONFIG["max_steps"] and record["stopped"] == "steps"
    assert record["vocab"] == "".join(corpus.vocab)
    assert model.rnn.hidden_size == gx.GATES_CONFIG["hidden"] and model.cell == "lstm"
    assert record["n_params"] == sum(p.numel() for p in model.parameters())
    # the stored weights give the stored validation score
    x, y = gx.validation_windows(corpus)
    assert gx.bits_per_char(model, x, y) == pytest.approx(record["val_bits"], abs=1e-4)
    assert record["unigram_bits"] == pytest.approx(gx.unigram_bits(corpus, y))
    assert record["val_bits"] < record["unigram_bits"] - 1.0  # it learned far more than frequencies
    assert [s for s, _ in record["curve"]][-1] == record["steps"]
    assert (gx.results_dir() / "gates.npz").stat().st_size < 400_000
    assert (gx.results_dir() / "gates.log").exists()


def test_gate_trace_equals_torch_lstm(corpus):
    torch.manual_seed(0)
    model = gx.make_model(corpus.V, {**gx.GATES_CONFIG, "hidden": 5, "embed": 3}).double()
    ids = corpus.encode("print(x)\n  a = 1")
    tr = gx.gate_trace(model, ids)
    emb = model.embedding(torch.from_numpy(ids)[None])  # (1, L, E)
    with torch.no_grad():
        h, (h_n, c_n) = model.rnn(emb)
    assert set(tr) == {"i", "f", "o", "g", "c", "h"}
    assert all(v.shape == (len(ids), 5) for v in tr.values())
    assert np.allclose(tr["h"], h[0].numpy(), atol=1e-12)
    assert np.allclose(tr["c"][-1], c_n[0, 0].numpy(), atol=1e-12)
    # c_t = f_t c_{t-1} + i_t g_t and h_t = o_t tanh(c_t), from the traced gates
    c_prev = np.vstack([np.zeros(5), tr["c"][:-1]])
    assert np.allclose(tr["c"], tr["f"] * c_prev + tr["i"] * tr["g"], atol=1e-12)
    assert np.allclose(tr["h"], tr["o"] * np.tanh(tr["c"]), atol=1e-12)
    for k in ("i", "f", "o"):
        assert ((tr[k] > 0) & (tr[k] < 1)).all()


def test_gate_trace_rejects_bad_input(corpus):
    model = gx.make_model(corpus.V, {**gx.GATES_CONFIG, "hidden": 3, "embed": 2})
    with pytest.raises(ValueError, match=r"ids: expected a 1-d integer array of shape \(L,\)"):
        gx.gate_trace(model, np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match="ids: expected ids in"):
        gx.gate_trace(model, np.array([0, corpus.V]))


def test_text_features():
    f = gx.text_features("a(b)c\nxy(")
    assert f["in_parentheses"].tolist() == [0, 1, 1, 1, 0, 0, 0, 0, 1]
    assert f["line_position"].tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2]
    with pytest.raises(ValueError, match="text"):
        gx.text_features("")


def test_unit_correlations_equal_numpy_corrcoef():
    rng = np.random.default_rng(0)
    values, feature = rng.normal(size=(50, 4)), rng.normal(size=50)
    values[:, 3] = 2.0  # a constant unit
    r = gx.unit_correlations(values, feature)
    for j in range(3):
        assert r[j] == pytest.approx(np.corrcoef(values[:, j], feature)[0, 1])
    assert r[3] == 0.0
    with pytest.raises(ValueError, match=r"values, feature: expected shapes \(L, H\) and \(L,\)"):
        gx.unit_correlations(values, feature[:-1])


def test_unigram_bits_is_the_entropy_of_a_uniform_vocabulary_on_uniform_counts():
    class Fake:
        V = 4
        train = np.array([[0, 1, 2, 3] * 10])

    y = torch.tensor([0, 1, 2, 3])
    assert gx.unigram_bits(Fake(), y) == pytest.approx(2.0)


def test_command_line_needs_save():
    with pytest.raises(SystemExit):
        gx.main([])
