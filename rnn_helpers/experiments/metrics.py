"""Held-out metrics and comparisons shared by the application experiments.

Every experiment scores a model and its baseline on the same held-out
examples; these functions say how well each did and whether the difference
is larger than chance. Error measures of forecasts (MAE, RMSE, MASE) live
with the forecasting baselines in :mod:`rnn_helpers.models.forecasting`,
which uses them to choose the AR order.

- :func:`accuracy`: fraction of correct predictions
- :func:`confusion_matrix`: counts (or row fractions) per true/predicted
  class
- :func:`macro_f1`: unweighted mean of the per-class F1
- :func:`paired_bootstrap`: 95 % interval of mean(a) - mean(b), examples
  resampled
- :func:`block_bootstrap`: the same with whole blocks (rows) resampled
- :func:`diebold_mariano`: equal accuracy of two forecasts; optional
  Harvey-Leybourne-Newbold correction
- :func:`mae_difference_interval`: the interval of an MAE difference that
  matches the corrected test
- :func:`resampled_t_interval`: interval of a mean difference over repeated
  random splits (Nadeau and Bengio's corrected resampled t)
"""

from __future__ import annotations

import math
from typing import Any, Tuple

import numpy as np

from rnn_helpers.argcheck import check_bool, check_float, check_int

__all__ = [
    "accuracy",
    "confusion_matrix",
    "macro_f1",
    "paired_bootstrap",
    "block_bootstrap",
    "diebold_mariano",
    "mae_difference_interval",
    "resampled_t_interval",
]


# ----------------------------------------------------------------------------
# classification
# ----------------------------------------------------------------------------


def _labels(y_true: Any, y_pred: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Two 1-D arrays of the same shape (K,) (ValueError naming y_pred otherwise)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_pred: expected shape {y_true.shape} like y_true, got {y_pred.shape}")
    return y_true, y_pred


def accuracy(y_true: Any, y_pred: Any) -> float:
    """
    Fraction of equal entries of two label arrays.

    Inputs:
    - y_true, y_pred: Integer arrays of shape (K,)

    Returns:
    - acc: Float in [0, 1]
    """
    y_true, y_pred = _labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true: Any, y_pred: Any, Q: int, normalize: bool = False) -> np.ndarray:
    """
    Confusion matrix: entry [i, j] counts examples of true class i predicted as j.

    Inputs:
    - y_true, y_pred: Integer arrays of shape (K,), values in 0..Q-1
    - Q: Number of classes
    - normalize: If True, divide every row by its sum (rows of absent classes stay 0)

    Returns:
    - C: Array of shape (Q, Q); int64 counts, or float64 row fractions
    """
    y_true, y_pred = _labels(y_true, y_pred)
    Q = check_int("Q", Q, 1)
    C = np.zeros((Q, Q), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    if not normalize:
        return C
    rows = C.sum(axis=1, keepdims=True)  # (Q, 1)
    return np.divide(C, rows, out=np.zeros((Q, Q)), where=rows > 0)


def macro_f1(y_true: Any, y_pred: Any, Q: int) -> float:
    """
    Unweighted mean over the Q classes of F1 = 2 precision recall / (precision + recall).

    A class that is neither present nor predicted counts with F1 = 0 (as
    scikit-learn's ``f1_score(average="macro", labels=range(Q))`` does).

    Inputs:
    - y_true, y_pred: Integer arrays of shape (K,), values in 0..Q-1
    - Q: Number of classes

    Returns:
    - f1: Float in [0, 1]
    """
    C = confusion_matrix(y_true, y_pred, Q).astype(np.float64)  # (Q, Q)
    tp = np.diag(C)  # (Q,)
    denom = C.sum(axis=0) + C.sum(axis=1)  # (Q,) predicted + actual = 2 tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros(Q), where=denom > 0)
    return float(f1.mean())


# ----------------------------------------------------------------------------
# intervals of a difference on the same held-out data
# ----------------------------------------------------------------------------


def _bootstrap_rows(d: np.ndarray, n: int, seed: int, level: float) -> Tuple[float, float]:
    """Percentile interval of the mean of d (B,) over n resamples of its B entries."""
    n = check_int("n", n, 1)
    seed = check_int("seed", seed, 0)
    level = check_float("level", level, 0.0, 1.0, exclusive=True)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, d.size, size=(n, d.size))  # (n, B)
    diffs = d[picks].mean(axis=1)  # (n,)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(diffs, [tail, 1.0 - tail])
    return float(low), float(high)


def paired_bootstrap(correct_a: Any, correct_b: Any, n: int = 2000, seed: int = 0,
                     level: float = 0.95) -> Tuple[float, float]:
    """
    Bootstrap interval of mean(a) - mean(b) on the same test examples.

    The K examples are drawn with replacement n times; both models are scored
    on the same draw (a paired comparison), and the interval holds the middle
    ``level`` of the n resampled differences (percentile bootstrap, Efron &
    Tibshirani 1993). With booleans "model a / b got example k right" it is
    the interval of the accuracy difference; any per-example score works.

    Inputs:
    - correct_a, correct_b: Arrays of shape (K,), boolean or float
    - n: Number of resamples
    - seed: Non-negative integer
    - level: Float in (0, 1), the coverage (0.95: the 2.5 % and 97.5 % quantiles)

    Returns:
    - (low, high): Floats, the interval's ends
    """
    a, b = np.asarray(correct_a, dtype=np.float64), np.asarray(correct_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"correct_b: expected shape {a.shape} like correct_a, got {b.shape}")
    return _bootstrap_rows(a - b, n, seed, level)


def block_bootstrap(values_a: Any, values_b: Any, n: int = 2000, seed: int = 0,
                    level: float = 0.95) -> Tuple[float, float]:
    """
    Bootstrap interval of mean(a) - mean(b) when the examples come in dependent blocks.

    The losses of consecutive characters of one text block, or of one
    writer's images, are not independent; resampling single examples would
    give too narrow an interval. Here the B rows (blocks) are drawn with
    replacement n times, each keeping all its L values, and the mean
    difference over every value of the drawn rows is recorded (the block
    bootstrap of Künsch 1989 with the data's own blocks). With L = 1 this is
    :func:`paired_bootstrap`, draw for draw.

    Inputs:
    - values_a, values_b: Arrays of shape (B, L), per-position scores of the
      two models on the same B blocks (e.g. negative log-likelihoods)
    - n: Number of resamples
    - seed: Non-negative integer
    - level: Float in (0, 1), the coverage

    Returns:
    - (low, high): Floats, the interval's ends
    """
    a, b = np.asarray(values_a, dtype=np.float64), np.asarray(values_b, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] < 1:
        raise ValueError(f"values_a: expected an array of shape (B, L), got shape {a.shape}")
    if b.shape != a.shape:
        raise ValueError(f"values_b: expected shape {a.shape} like values_a, got {b.shape}")
    return _bootstrap_rows((a - b).mean(axis=1), n, seed, level)  # (B,) block means


# ----------------------------------------------------------------------------
# forecasts
# ----------------------------------------------------------------------------


def _errors(name: str, e: Any) -> np.ndarray:
    arr = np.asarray(e, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] < 3:
        raise ValueError(f"{name}: expected an array of shape (n,) with n >= 3, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or inf")
    return arr


def _loss_differential(errors_a: Any, errors_b: Any, horizon: Any) -> Tuple[float, float, int, int]:
    """mean(d), the long-run variance V of d = |a| - |b| (lags < h, divisor n), n and h."""
    a = _errors("errors_a", errors_a)
    b = _errors("errors_b", errors_b)
    if a.shape != b.shape:
        raise ValueError(f"errors_b: expected the shape of errors_a {a.shape}, got {b.shape}")
    h = check_int("horizon", horizon, 1)
    d = np.abs(a) - np.abs(b)  # (n,)
    n = d.shape[0]
    dc = d - d.mean()
    var = float(dc @ dc) / n
    for k in range(1, min(h, n)):
        var += 2.0 * float(dc[:-k] @ dc[k:]) / n
    return float(d.mean()), var, n, h


def _hln_factor(n: int, h: int) -> float:
    """Harvey-Leybourne-Newbold: DM* = DM * sqrt(factor)."""
    factor = (n + 1 - 2 * h + h * (h - 1) / n) / n
    if not factor > 0:
        raise ValueError(f"horizon: the correction needs n + 1 - 2h + h(h - 1)/n > 0, "
                         f"got h = {h} for n = {n}")
    return factor


def diebold_mariano(errors_a: Any, errors_b: Any, horizon: int = 1,
                    small_sample: bool = False) -> Tuple[float, float]:
    """
    Diebold-Mariano test of equal accuracy for two forecasts of the same targets.

    With the loss differential d_t = |a_t| - |b_t| (absolute errors), the
    statistic is DM = mean(d) / sqrt(V / n), where V is the variance of d plus
    twice its first h - 1 autocovariances (h-step errors overlap, so they are
    correlated up to lag h - 1), all with divisor n (Diebold & Mariano 1995).
    Under equal accuracy DM is roughly standard normal. Negative: forecast a
    is more accurate.

    With ``small_sample=True`` the Harvey, Leybourne & Newbold (1997)
    correction is applied, DM* = DM sqrt((n + 1 - 2h + h (h - 1) / n) / n),
    and the p-value comes from Student's t with n - 1 degrees of freedom
    (what R's ``forecast::dm.test`` reports); with few targets (n of a few
    dozen) the plain test rejects too often.

    Inputs:
    - errors_a, errors_b: Arrays of shape (n,), forecast errors (truth minus forecast)
    - horizon: Integer h of the forecasts
    - small_sample: Boolean, apply the correction and use t_{n-1}

    Returns a tuple of:
    - stat: Float, DM (or DM*); 0.0 when V is not positive
    - p_value: Float, two-sided; 1.0 when V is not positive
    """
    mean, var, n, h = _loss_differential(errors_a, errors_b, horizon)
    small_sample = check_bool("small_sample", small_sample)
    if not var > 0:
        return 0.0, 1.0
    stat = mean / math.sqrt(var / n)
    if not small_sample:
        return stat, float(math.erfc(abs(stat) / math.sqrt(2.0)))
    from scipy.stats import t as student_t  # scipy ships with statsmodels and scikit-learn

    stat *= math.sqrt(_hln_factor(n, h))
    return stat, float(2.0 * student_t.sf(abs(stat), df=n - 1))


def mae_difference_interval(errors_a: Any, errors_b: Any, horizon: int = 1,
                            level: float = 0.95) -> Tuple[float, float]:
    """
    Interval of MAE(a) - MAE(b) that matches the corrected Diebold-Mariano test.

    mean(d) +- t_{n-1} quantile * sqrt(V / n) / sqrt(factor), with d, V and
    the Harvey-Leybourne-Newbold factor of :func:`diebold_mariano`: it
    excludes 0 exactly when that test (``small_sample=True``) rejects at
    1 - level.

    Inputs:
    - errors_a, errors_b: Arrays of shape (n,), forecast errors of the same targets
    - horizon: Integer h of the forecasts
    - level: Float in (0, 1), the coverage

    Returns:
    - (low, high): Floats, in the units of the errors
    """
    mean, var, n, h = _loss_differential(errors_a, errors_b, horizon)
    level = check_float("level", level, 0.0, 1.0, exclusive=True)
    if not var > 0:
        return mean, mean
    from scipy.stats import t as student_t

    half = student_t.ppf(0.5 + level / 2.0, df=n - 1) * math.sqrt(var / n / _hln_factor(n, h))
    return float(mean - half), float(mean + half)


# ----------------------------------------------------------------------------
# repeated random splits
# ----------------------------------------------------------------------------


def resampled_t_interval(differences: Any, n_train: int, n_test: int,
                         level: float = 0.95) -> Tuple[float, float]:
    """
    Interval of the mean of a score difference measured on J repeated random splits.

    The J splits share most of their examples, so the J differences are
    positively correlated and the plain t interval (variance s^2 / J) is too
    narrow. Nadeau and Bengio (2003) replace 1/J by 1/J + n_test/n_train:

        mean(d) +- t_{J-1} quantile * sqrt((1/J + n_test/n_train) * s^2)

    with s^2 the sample variance (ddof 1) of the differences.

    Inputs:
    - differences: Array of shape (J,), J >= 2, e.g. accuracy(a) - accuracy(b) per split
    - n_train, n_test: Positive integers, the sizes of every split's training and test parts
    - level: Float in (0, 1), the coverage

    Returns:
    - (low, high): Floats, in the units of the differences
    """
    d = np.asarray(differences, dtype=np.float64)
    if d.ndim != 1 or d.size < 2 or not np.all(np.isfinite(d)):
        raise ValueError(f"differences: expected a finite array of shape (J,) with J >= 2, "
                         f"got shape {d.shape}")
    n_train = check_int("n_train", n_train, 1)
    n_test = check_int("n_test", n_test, 1)
    level = check_float("level", level, 0.0, 1.0, exclusive=True)
    from scipy.stats import t as student_t

    J = d.size
    half = student_t.ppf(0.5 + level / 2.0, df=J - 1) * math.sqrt(
        (1.0 / J + n_test / n_train) * d.var(ddof=1))
    return float(d.mean() - half), float(d.mean() + half)
