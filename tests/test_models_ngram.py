"""Tests of rnn_helpers.models.ngram against a plain-Python interpolated Kneser-Ney."""

import math
from collections import Counter, defaultdict

import numpy as np
import pytest

from rnn_helpers.models.ngram import KneserNey, bits_per_char, perplexity


def reference_kn(train_rows, order, V, D):
    """Interpolated Kneser-Ney from dictionaries, written from the textbook formula.

    Returns prob(context_tuple, w), the context being the full history.
    """
    raw = Counter()  # highest-order counts
    grams = [set() for _ in range(order + 2)]  # distinct k-grams per k
    for row in train_rows:
        row = tuple(row)
        for k in range(1, order + 1):
            for t in range(k - 1, len(row)):
                g = row[t - k + 1:t + 1]
                grams[k].add(g)
                if k == order:
                    raw[g] += 1

    def level_counts(k):
        if k == order:
            return raw
        cont = Counter()
        for g in grams[k + 1]:
            cont[g[1:]] += 1  # distinct predecessors of the k-gram g[1:]
        return cont

    levels = {k: level_counts(k) for k in range(1, order + 1)}
    ctx_total = {k: defaultdict(int) for k in levels}
    ctx_types = {k: defaultdict(int) for k in levels}
    for k, counts in levels.items():
        for g, c in counts.items():
            ctx_total[k][g[:-1]] += c
            ctx_types[k][g[:-1]] += 1

    def prob(history, w):
        p = 1.0 / V  # level 0: uniform
        for k in range(1, order + 1):
            if len(history) < k - 1:
                continue  # context too short: keep the lower order's prediction
            h = tuple(history[len(history) - (k - 1):]) if k > 1 else ()
            tot = ctx_total[k][h]
            if tot == 0:
                continue  # unseen context: keep the lower order's prediction
            c = levels[k].get(h + (w,), 0)
            p = max(c - D[k - 1], 0) / tot + D[k - 1] * ctx_types[k][h] / tot * p
        return p

    return prob


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    V = 5
    # a Markov-ish source so that some n-grams repeat and others are rare
    train = rng.choice(V, size=(4, 60), p=[0.4, 0.3, 0.15, 0.1, 0.05])
    test = rng.choice(V, size=(2, 25))
    return V, train, test


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_matches_reference(small, order):
    V, train, test = small
    model = KneserNey(order, V).fit(train)
    D = model.discounts()
    ref = reference_kn(train, order, V, D)
    logp = model.log_probs(test)
    assert logp.shape == test.shape and np.all(np.isfinite(logp))
    for b in range(test.shape[0]):
        for t in range(test.shape[1]):
            expected = ref(test[b, :t].tolist(), int(test[b, t]))
            assert math.isclose(np.exp(logp[b, t]), expected, rel_tol=1e-12), (b, t)


@pytest.fixture(scope="module")
def wide():
    """V = 94 (the course corpus's size) and text made of repeated phrases."""
    rng = np.random.default_rng(4)
    V = 94
    phrases = rng.integers(0, V, size=(5, 14))
    train = phrases[rng.integers(0, 5, size=(3, 8))].reshape(3, -1)  # (3, 112)
    test = phrases[rng.integers(0, 5, size=(2, 3))].reshape(2, -1)  # (2, 42)
    test[0, 20] = (test[0, 20] + 1) % V  # one substitution: contexts unseen after it
    return V, train, test


@pytest.mark.parametrize("order", [10, 11, 12])
def test_orders_beyond_base_v_keys_match_the_reference(wide, order):
    V, train, test = wide
    assert V ** order > 2 ** 63  # a base-V key of this order overflows int64
    model = KneserNey(order, V).fit(train)
    ref = reference_kn(train, order, V, model.discounts())
    logp = model.log_probs(test)
    for b in range(test.shape[0]):
        for t in range(test.shape[1]):
            expected = ref(test[b, :t].tolist(), int(test[b, t]))
            assert math.isclose(np.exp(logp[b, t]), expected, rel_tol=1e-12), (b, t)
    # the full-order contexts are really used (seen in training), and not everywhere
    seen = model.context_counts(test) > 0
    assert 0 < seen[:, order - 1:].mean() < 1
    p = np.exp(model.next_log_probs(test[:, :order + 3]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert 0 < model.unseen_fraction(test) < 1


def test_lower_order_of_a_fitted_model_equals_a_model_of_that_order(small):
    V, train, test = small
    big = KneserNey(4, V).fit(train)
    for n in (1, 2, 3):
        np.testing.assert_allclose(big.log_probs(test, n), KneserNey(n, V).fit(train).log_probs(test),
                                   rtol=0, atol=1e-13)


@pytest.mark.parametrize("discount", [None, 0.75, [0.3, 0.5, 0.9]])
def test_next_distribution_sums_to_one(small, discount):
    V, train, _ = small
    model = KneserNey(3, V, discount=discount).fit(train)
    rng = np.random.default_rng(1)
    contexts = rng.integers(0, V, size=(6, 5))
    p = np.exp(model.next_log_probs(contexts))
    assert p.shape == (6, V)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(p > 0)
    # an empty context and an unseen symbol
    np.testing.assert_allclose(np.exp(model.next_log_probs(np.zeros(0, dtype=int))).sum(), 1.0)
    model_no4 = KneserNey(3, V).fit(np.where(train == 4, 0, train))
    p4 = np.exp(model_no4.next_log_probs(np.array([4, 4])))
    assert p4[4] > 0 and math.isclose(p4.sum(), 1.0, rel_tol=1e-12)


def test_next_log_probs_agree_with_log_probs(small):
    V, train, test = small
    model = KneserNey(3, V).fit(train)
    row = test[0]
    nxt = model.next_log_probs(row[None, :10])[0]
    assert math.isclose(nxt[row[10]], model.log_probs(row[:11])[10], rel_tol=1e-12)


def test_ngrams_do_not_cross_rows():
    model = KneserNey(2, 3).fit(np.array([[0, 1], [2, 0]]))
    # the bigram (1, 2) only appears across the row boundary
    assert model.unseen_fraction(np.array([[1, 2]])) == 1.0
    assert model.unseen_fraction(np.array([[0, 1]])) == 0.0


def test_memorises_training_text_at_high_order():
    rng = np.random.default_rng(3)
    text = rng.integers(0, 20, size=(1, 2000))
    model = KneserNey(6, 20, discount=0.5).fit(text)
    assert model.nll(text) < 0.3 * model.nll(text, 1)
    # Ney's discount is close to 1 when almost every 6-gram is seen once: little memorisation
    assert KneserNey(6, 20).fit(text).discounts()[-1] > 0.95
    assert model.unseen_fraction(rng.integers(0, 20, size=(1, 500))) > 0.99


def test_metrics():
    assert math.isclose(bits_per_char(math.log(2.0)), 1.0)
    assert math.isclose(perplexity(math.log(7.0)), 7.0)
    np.testing.assert_allclose(bits_per_char(np.array([0.0, math.log(4.0)])), [0.0, 2.0])
    np.testing.assert_allclose(perplexity(np.array([0.0, 1.0])), [1.0, math.e])
    assert math.isclose(2 ** bits_per_char(1.3), perplexity(1.3))


def test_validation():
    with pytest.raises(ValueError, match="V"):
        KneserNey(3, 1)
    with pytest.raises(ValueError, match="order"):
        KneserNey(0, 5)
    assert KneserNey(20, 94).order == 20  # no int64 limit on the order any more
    with pytest.raises(ValueError, match="discount"):
        KneserNey(2, 5, discount=1.5)
    with pytest.raises(ValueError, match="discount"):
        KneserNey(2, 5, discount=[0.5, 0.5, 0.5])
    model = KneserNey(2, 5)
    with pytest.raises(ValueError, match="not fitted"):
        model.log_probs(np.zeros((1, 3), dtype=int))
    model.fit(np.array([[0, 1, 2, 3, 4]]))
    with pytest.raises(ValueError, match=r"blocks: expected an integer array of shape \(B, L\)"):
        model.log_probs(np.zeros((1, 2, 3), dtype=int))
    with pytest.raises(ValueError, match="blocks"):
        model.log_probs(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="V = 5"):
        model.log_probs(np.array([[0, 7]]))
    with pytest.raises(ValueError, match="order"):
        model.nll(np.array([[0, 1, 2]]), order=3)
    with pytest.raises(ValueError, match="at least 2"):
        model.nll(np.array([[0]]))
    with pytest.raises(ValueError, match="contexts"):
        model.next_log_probs(np.array([[9]]))


def test_context_counts_and_size():
    model = KneserNey(3, 4).fit(np.array([[0, 1, 2, 0, 1, 3]]))
    # contexts of length 2: (0,1) seen twice, (1,2) and (2,0) once
    counts = model.context_counts(np.array([[0, 1, 2, 1, 2, 3, 3]]))
    np.testing.assert_array_equal(counts, [[0, 0, 2, 1, 0, 1, 0]])
    # stored: 4 distinct trigrams, continuation tables of 4 bigrams and 4 unigrams
    assert model.n_grams() == 4 + 4 + 4
    assert model.n_grams(1) == 4


@pytest.mark.parametrize("data", ["small", "wide"])
def test_every_order_in_one_pass_equals_each_order_alone(data, request):
    V, train, test = request.getfixturevalue(data)
    model = KneserNey(12, V).fit(train)
    by_order = model.log_probs_by_order(test)  # (12, B, L)
    assert by_order.shape == (12,) + test.shape
    for n in range(1, 13):
        np.testing.assert_allclose(by_order[n - 1], model.log_probs(test, n), rtol=0, atol=1e-13)
    # the textbook reference of one order, as an independent oracle
    ref = reference_kn(train, 7, V, model.discounts(7))
    expected = np.array([[math.log(ref(row[:t].tolist(), int(row[t]))) for t in range(len(row))]
                         for row in test])
    np.testing.assert_allclose(by_order[6], expected, rtol=1e-12)
    nll = model.nll_by_order(test, 5)
    assert nll.shape == (5,)
    np.testing.assert_allclose(nll, [model.nll(test, n) for n in range(1, 6)], rtol=1e-13)
    with pytest.raises(ValueError, match="order"):
        model.log_probs_by_order(test, 13)
    with pytest.raises(ValueError, match="blocks"):
        model.nll_by_order(test[:, :1])
