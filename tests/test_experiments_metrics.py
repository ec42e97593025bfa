"""rnn_helpers.experiments.metrics against scikit-learn, SciPy and plain loops."""

import math

import numpy as np
import pytest

from rnn_helpers.experiments import metrics


def test_classification_metrics_agree_with_scikit_learn():
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    np.testing.assert_array_equal(metrics.confusion_matrix(y, p, 5),
                                  confusion_matrix(y, p, labels=range(5)))
    C = metrics.confusion_matrix(y, p, 5, normalize=True)
    np.testing.assert_allclose(C, confusion_matrix(y, p, labels=range(5), normalize="true"),
                               rtol=1e-12)
    np.testing.assert_allclose(C.sum(axis=1), 1.0)
    assert abs(metrics.macro_f1(y, p, 5) - f1_score(y, p, average="macro")) < 1e-12
    assert metrics.accuracy(y, p) == pytest.approx(accuracy_score(y, p), abs=1e-15)
    # a class that never occurs and is never predicted counts with F1 = 0
    ours = metrics.macro_f1(y, p, 7)
    theirs = f1_score(y, p, labels=range(7), average="macro", zero_division=0)
    assert abs(ours - theirs) < 1e-12
    assert metrics.confusion_matrix(y, p, 7, normalize=True)[6].sum() == 0.0


def test_classification_metrics_reject_bad_input():
    y = np.array([0, 1, 2])
    with pytest.raises(ValueError, match="y_pred"):
        metrics.accuracy(y, y[:-1])
    with pytest.raises(ValueError, match="y_pred"):
        metrics.confusion_matrix(y[:, None], y[:, None], 3)
    with pytest.raises(ValueError, match="Q"):
        metrics.macro_f1(y, y, 0)


def test_paired_bootstrap_equals_a_plain_loop_and_scipy():
    from scipy.stats import bootstrap

    rng = np.random.default_rng(1)
    a = rng.random(150) < 0.7
    b = rng.random(150) < 0.6
    low, high = metrics.paired_bootstrap(a, b, n=500, seed=3)
    # the same draws, one resample at a time
    draw = np.random.default_rng(3).integers(0, 150, size=(500, 150))
    diffs = [np.mean(a[idx]) - np.mean(b[idx]) for idx in draw]
    assert (low, high) == pytest.approx(tuple(np.quantile(diffs, [0.025, 0.975])), abs=1e-15)
    # an independent implementation with other draws: close with many resamples
    low, high = metrics.paired_bootstrap(a, b, n=20000, seed=0)
    ref = bootstrap((a.astype(float), b.astype(float)), lambda x, y: x.mean() - y.mean(),
                    paired=True, vectorized=False, n_resamples=20000, method="percentile",
                    rng=np.random.default_rng(5)).confidence_interval
    assert low == pytest.approx(ref.low, abs=0.01) and high == pytest.approx(ref.high, abs=0.01)
    assert low < a.mean() - b.mean() < high
    # the level sets the quantiles
    l90, h90 = metrics.paired_bootstrap(a, b, n=20000, seed=0, level=0.9)
    assert low < l90 < h90 < high
    with pytest.raises(ValueError, match="correct_b"):
        metrics.paired_bootstrap(a, b[:-1])
    with pytest.raises(ValueError, match="level"):
        metrics.paired_bootstrap(a, b, level=1.0)
    with pytest.raises(ValueError, match="seed"):
        metrics.paired_bootstrap(a, b, seed=-1)


def test_block_bootstrap_resamples_whole_rows():
    rng = np.random.default_rng(2)
    shared = rng.standard_normal((30, 1))  # a per-block effect: values of a row move together
    a = 1.0 + shared + 0.1 * rng.standard_normal((30, 40))
    b = 0.8 + shared + 0.1 * rng.standard_normal((30, 40)) + 0.5 * rng.standard_normal((30, 1))
    low, high = metrics.block_bootstrap(a, b, n=700, seed=4)
    draw = np.random.default_rng(4).integers(0, 30, size=(700, 30))
    diffs = [np.mean(a[idx] - b[idx]) for idx in draw]  # all values of the drawn rows
    assert (low, high) == pytest.approx(tuple(np.quantile(diffs, [0.025, 0.975])), abs=1e-12)
    # with one value per row it is the paired bootstrap, draw for draw
    x, y = a[:, 0], b[:, 0]
    assert metrics.block_bootstrap(x[:, None], y[:, None], n=300, seed=1) == \
        metrics.paired_bootstrap(x, y, n=300, seed=1)
    # resampling single values ignores the blocks: a too narrow interval
    naive = metrics.paired_bootstrap(a.ravel(), b.ravel(), n=700, seed=4)
    assert naive[1] - naive[0] < 0.5 * (high - low)
    with pytest.raises(ValueError, match="values_a"):
        metrics.block_bootstrap(a.ravel(), b.ravel())
    with pytest.raises(ValueError, match="values_b"):
        metrics.block_bootstrap(a, b[:, :-1])


def dm_by_hand(a, b, h):
    """The Diebold-Mariano statistic written out with loops (divisor n throughout)."""
    d = [abs(x) - abs(y) for x, y in zip(a, b)]
    n = len(d)
    mean = sum(d) / n
    gamma = [sum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n for k in range(h)]
    V = gamma[0] + 2 * sum(gamma[1:])
    return mean / math.sqrt(V / n), n


def test_diebold_mariano_plain():
    rng = np.random.default_rng(7)
    e = rng.standard_normal(200)
    stat, p = metrics.diebold_mariano(e, e)
    assert stat == 0.0 and p == 1.0
    stat, p = metrics.diebold_mariano(0.5 * e, e)
    assert stat < -5 and p < 1e-6
    # the statistic is mean(d) / sqrt(var(d) / n) for h = 1
    a, b = rng.standard_normal(50), rng.standard_normal(50)
    d = np.abs(a) - np.abs(b)
    stat, p = metrics.diebold_mariano(a, b)
    assert stat == pytest.approx(d.mean() / math.sqrt(d.var() / 50))
    assert p == pytest.approx(math.erfc(abs(stat) / math.sqrt(2)))
    for h in (2, 4):
        ref, _ = dm_by_hand(a, b, h)
        assert metrics.diebold_mariano(a, b, horizon=h)[0] == pytest.approx(ref, rel=1e-12)
    with pytest.raises(ValueError, match="errors_b"):
        metrics.diebold_mariano(a, b[:10])
    with pytest.raises(ValueError, match="errors_a"):
        metrics.diebold_mariano(a[:2], b[:2])
    with pytest.raises(ValueError, match="horizon"):
        metrics.diebold_mariano(a, b, horizon=0)
    with pytest.raises(ValueError, match="small_sample"):
        metrics.diebold_mariano(a, b, small_sample="yes")


def test_diebold_mariano_small_sample_is_a_t_test_at_horizon_one():
    from scipy.stats import ttest_1samp

    rng = np.random.default_rng(8)
    a, b = 0.8 * rng.standard_normal(44), rng.standard_normal(44)
    d = np.abs(a) - np.abs(b)
    stat, p = metrics.diebold_mariano(a, b, small_sample=True)
    # h = 1: DM* = DM sqrt((n - 1) / n) is the one-sample t statistic of d
    ref = ttest_1samp(d, 0.0)
    assert stat == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-10)
    plain, p_plain = metrics.diebold_mariano(a, b)
    assert stat == pytest.approx(plain * math.sqrt(43 / 44), rel=1e-12)
    assert p > p_plain  # t_{n-1} has heavier tails than the normal
    low, high = metrics.mae_difference_interval(a, b)
    ci = ref.confidence_interval(0.95)
    assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-10)


@pytest.mark.parametrize("h", [2, 3, 6])
def test_diebold_mariano_small_sample_by_hand(h):
    from scipy.stats import t as student_t

    rng = np.random.default_rng(h)
    noise = rng.standard_normal(60)
    a = np.convolve(noise, np.ones(h), mode="valid")[:50]  # overlapping h-step errors
    b = 1.1 * a + 0.5 * rng.standard_normal(50)
    dm, n = dm_by_hand(a, b, h)
    factor = (n + 1 - 2 * h + h * (h - 1) / n) / n
    expected = dm * math.sqrt(factor)
    stat, p = metrics.diebold_mariano(a, b, horizon=h, small_sample=True)
    assert stat == pytest.approx(expected, rel=1e-12)
    assert p == pytest.approx(2 * student_t.sf(abs(expected), n - 1), rel=1e-10)
    low, high = metrics.mae_difference_interval(a, b, horizon=h)
    mean = np.mean(np.abs(a) - np.abs(b))
    assert low < mean < high and (mean - low) == pytest.approx(high - mean)
    # the interval excludes 0 exactly when the corrected test rejects at 5 %
    assert (low > 0 or high < 0) == (p < 0.05)
    # the half-width is the t quantile times the corrected standard error
    half = student_t.ppf(0.975, n - 1) * abs(mean / expected)
    assert high - mean == pytest.approx(half, rel=1e-10)


def test_resampled_t_interval_is_nadeau_bengios_corrected_t():
    from scipy import stats

    d = np.array([0.01, -0.02, 0.03, 0.0, 0.015, 0.02, -0.005, 0.01])
    low, high = metrics.resampled_t_interval(d, n_train=1078, n_test=359)
    # scipy's t interval with the corrected standard error
    se = math.sqrt((1 / len(d) + 359 / 1078) * np.var(d, ddof=1))
    ref = stats.t.interval(0.95, df=len(d) - 1, loc=d.mean(), scale=se)
    assert (low, high) == pytest.approx(ref, rel=1e-12)
    # wider than the plain t interval, which ignores that the splits overlap
    plain = stats.t.interval(0.95, df=len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    assert low < plain[0] and high > plain[1]
    for bad in ([0.1], [[0.1, 0.2]], [0.1, np.nan]):
        with pytest.raises(ValueError, match="differences"):
            metrics.resampled_t_interval(bad, 10, 5)
    with pytest.raises(ValueError, match="n_test"):
        metrics.resampled_t_interval(d, 10, 0)
