"""Tests of rnn_helpers.models.sampling: temperature softmax, sampling, generation."""

import math

import numpy as np
import pytest
import torch

from rnn_helpers.experiments.language_model import CharLM
from rnn_helpers.models.sampling import (
    as_logits,
    entropy_bits,
    generate,
    sample_from_logits,
    softmax_with_temperature,
)

TEMPERATURES = (0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 3.0, 5.0, 10.0)

LOGITS = np.array([[2.0, 1.0, 0.5, -1.0, 0.0], [0.0, 3.0, 3.0, -2.0, 1.0]])


@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0, 2.0, 7.0])
def test_softmax_with_temperature_equals_torch(tau):
    got = softmax_with_temperature(LOGITS, tau)
    expected = torch.softmax(torch.from_numpy(LOGITS) / tau, dim=-1).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # the same as raising the probabilities to the power 1/tau and renormalising
    p = softmax_with_temperature(LOGITS, 1.0) ** (1.0 / tau)
    np.testing.assert_allclose(got, p / p.sum(axis=-1, keepdims=True), rtol=1e-10)


def test_temperature_limits():
    greedy = softmax_with_temperature(LOGITS, 0)
    np.testing.assert_array_equal(greedy[0], [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(greedy[1], [0, 0.5, 0.5, 0, 0])  # a tie shares the mass
    np.testing.assert_allclose(softmax_with_temperature(LOGITS[0], 1e-3), greedy[0], atol=1e-12)
    np.testing.assert_allclose(softmax_with_temperature(LOGITS, 1e6), 0.2, atol=1e-5)
    # huge logits do not overflow; -inf means probability zero
    big = softmax_with_temperature(np.array([1000.0, 999.0, -np.inf]), 0.5)
    assert np.all(np.isfinite(big)) and big[2] == 0.0 and math.isclose(big.sum(), 1.0)
    # accepts torch tensors and float32
    t = softmax_with_temperature(torch.tensor(LOGITS, dtype=torch.float32), 2.0)
    np.testing.assert_allclose(t, softmax_with_temperature(LOGITS, 2.0), rtol=1e-6)


def test_entropy_grows_with_temperature():
    H = [float(entropy_bits(softmax_with_temperature(LOGITS[0], t))) for t in TEMPERATURES]
    assert np.all(np.diff(H) > 0)
    assert H[-1] < math.log2(5) and entropy_bits(np.eye(3)).tolist() == [0.0, 0.0, 0.0]
    assert math.isclose(float(entropy_bits(np.full(8, 1 / 8))), 3.0)
    with pytest.raises(ValueError, match="probs"):
        entropy_bits(np.array([0.5, 0.6]))


def test_sample_frequencies_match_the_distribution():
    rng = np.random.default_rng(0)
    logits = np.tile(np.array([[1.0, 0.0, -0.5, -np.inf, 2.0]]), (40_000, 1))
    ids = sample_from_logits(logits, 0.8, rng)
    assert ids.shape == (40_000,) and ids.dtype == np.int64
    freq = np.bincount(ids, minlength=5) / ids.size
    p = softmax_with_temperature(logits[0], 0.8)
    assert freq[3] == 0.0
    assert np.all(np.abs(freq - p) <= 4 * np.sqrt(p * (1 - p) / ids.size)), (freq, p)
    again = sample_from_logits(logits[:50], 0.8, np.random.default_rng(0))
    np.testing.assert_array_equal(again, ids[:50])
    np.testing.assert_array_equal(sample_from_logits(LOGITS, 0, rng), [0, 1])
    assert sample_from_logits(LOGITS[0], 1.0, rng).shape == ()


def test_zero_probability_is_never_drawn():
    rng = np.random.default_rng(5)
    logits = np.array([[-np.inf, 0.0, -np.inf, 0.0, -np.inf]] * 5000)
    assert set(sample_from_logits(logits, 1.0, rng).tolist()) == {1, 3}


class Cycle:
    """An 'n-gram' whose next character is the last one plus one (mod V)."""

    V = 6

    def next_logits(self, contexts):
        contexts = np.asarray(contexts)
        logits = np.full((contexts.shape[0], self.V), -30.0)
        logits[np.arange(contexts.shape[0]), (contexts[:, -1] + 1) % self.V] = 0.0
        return logits


def test_generate_with_a_next_logits_model():
    out = generate(Cycle(), np.array([2]), 8, temperature=0)
    np.testing.assert_array_equal(out, [[3, 4, 5, 0, 1, 2, 3, 4]])
    out = generate(Cycle(), np.array([0, 4]), 5, temperature=1.0, seed=3, n_samples=3)
    np.testing.assert_array_equal(out, np.tile([5, 0, 1, 2, 3], (3, 1)))


def test_generate_with_a_torch_model_carries_the_state():
    torch.manual_seed(0)
    model = CharLM(V=7, embed=4, hidden=8, cell="gru").double()
    prompt = np.array([1, 2, 3])
    out = generate(model, prompt, 10, temperature=0)  # greedy, one step at a time with state
    seq = list(prompt)
    with torch.no_grad():
        for _ in range(10):  # greedy again, re-reading the whole history every time
            logits, _ = model(torch.tensor([seq]))
            seq.append(int(logits[0, -1].argmax()))
    np.testing.assert_array_equal(out[0], seq[3:])
    a = generate(model, prompt, 20, temperature=1.0, seed=1, n_samples=2)
    b = generate(model, prompt, 20, temperature=1.0, seed=1, n_samples=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, generate(model, prompt, 20, temperature=1.0, seed=2, n_samples=2))
    assert model.training  # the mode is restored


def test_generate_validates():
    with pytest.raises(ValueError, match=r"prompt_ids: expected a non-empty 1-D integer array of shape \(P,\)"):
        generate(Cycle(), np.array([], dtype=int), 3)
    with pytest.raises(ValueError, match="length"):
        generate(Cycle(), np.array([1]), 0)
    with pytest.raises(ValueError, match="temperature"):
        generate(Cycle(), np.array([1]), 3, temperature=-1)
    with pytest.raises(ValueError, match="model"):
        generate(object(), np.array([1]), 3)


def test_softmax_validates():
    with pytest.raises(ValueError, match="temperature"):
        softmax_with_temperature(LOGITS, -0.5)
    with pytest.raises(ValueError, match="temperature"):
        softmax_with_temperature(LOGITS, float("nan"))
    with pytest.raises(ValueError, match="temperature"):
        softmax_with_temperature(LOGITS, True)
    with pytest.raises(ValueError, match=r"logits: expected a real array of shape \(\.\.\., V\)"):
        softmax_with_temperature(3.0, 1.0)
    with pytest.raises(ValueError, match="logits"):
        softmax_with_temperature(np.array([1.0, np.nan]), 1.0)
    with pytest.raises(ValueError, match="logits"):
        softmax_with_temperature(np.array([-np.inf, -np.inf]), 1.0)
    with pytest.raises(ValueError, match="rng"):
        sample_from_logits(LOGITS, 1.0, 42)


def test_as_logits():
    got = as_logits("x", torch.tensor([[1.0, -np.inf]]))
    assert got.dtype == np.float64 and got.shape == (1, 2) and got[0, 1] == -np.inf
    with pytest.raises(ValueError, match=r"x: expected a real array of shape \(\.\.\., V\)"):
        as_logits("x", np.array([1 + 2j]))
    with pytest.raises(ValueError, match="x: every row needs at least one finite entry"):
        as_logits("x", np.array([[0.0, 1.0], [-np.inf, -np.inf]]))


def test_sampling_imports_no_plotting_library():
    import subprocess
    import sys

    code = ("import sys, rnn_helpers.models.sampling\n"
            "bad = [m for m in ('plotly', 'matplotlib', 'ipywidgets', 'rnn_helpers.viz') if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)
