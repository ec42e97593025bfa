"""Character n-gram language models with interpolated Kneser-Ney smoothing.

An n-gram model predicts the next character from the previous n - 1 only:
P(x_t | x_{<t}) ~ P(x_t | x_{t-n+1}, ..., x_{t-1}). Counting how often each
n-gram occurs in the training text gives the maximum-likelihood estimate
c(h, w) / c(h); it assigns probability zero to every n-gram never seen, and
the longer the context h, the more held-out n-grams are unseen. Smoothing
moves some probability from seen to unseen events. Interpolated Kneser-Ney
(Kneser & Ney 1995; Chen & Goodman 1999) is the classic best performer:

    P_k(w | h) = max(c_k(h, w) - D_k, 0) / c_k(h)
                 + D_k * N_k(h) / c_k(h) * P_{k-1}(w | h')

where h' drops the oldest character of h, c_k(h) = sum_w c_k(h, w) and
N_k(h) = |{w : c_k(h, w) > 0}| is the number of distinct characters seen
after h. At the highest order c_k are the raw counts; at the lower orders
they are *continuation counts*, the number of distinct characters that
precede the k-gram in the training text (a character that follows only one
context should not be likely after a new context). P_0 is uniform over the
V characters, so no character ever gets probability zero. A context never
seen (c_k(h) = 0) passes the lower order's prediction through unchanged.
The discount D_k is Ney's estimate n_1 / (n_1 + 2 n_2), from the numbers of
k-grams seen exactly once and twice, unless given.

Everything is vectorised: the tables are sorted arrays of integer keys and
a lookup is ``np.searchsorted``. The key of a k-gram is ``r * V + w``, where
w is its last character and r the rank of its context (the first k - 1
characters) among the distinct (k - 1)-grams of the training text. Keys thus
stay below (number of training characters + 1) * V at every order, so any
order fits in int64 (a base-V key, V ** k, overflows from k = 10 on with
V = 94). A k-gram whose context never occurs in the training text gets no
rank and no key: every level from k on passes the lower order through.

Held-out metrics (the same convention as the neural models of chapter 7):
the loss is the mean negative log-likelihood, in nats, of characters 2 to L
of every held-out block, each given the earlier characters of its block.

- :class:`KneserNey`: ``fit(blocks)``, ``log_probs(blocks, order)``,
  ``nll(blocks, order)``, ``nll_by_order(blocks)`` (every order in one pass), ``next_log_probs(contexts)``, ``unseen_fraction``,
  ``context_counts``, ``n_grams``.
- :func:`bits_per_char`, :func:`perplexity`: from a mean loss in nats.

Why one module of a little over 400 lines: the model is one class whose
methods share the key encoding and the tables; splitting it would split
that invariant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Union

import numpy as np

from rnn_helpers.argcheck import check_int

__all__ = ["KneserNey", "bits_per_char", "perplexity"]


def bits_per_char(nats: Any) -> Any:
    """
    Bits per character from a mean negative log-likelihood in nats.

    -log2 p = -ln p / ln 2, so bpc = loss / ln 2.

    Inputs:
    - nats: Float or array, mean loss per character with natural logarithms

    Returns:
    - bpc: Same type and shape
    """
    if np.ndim(nats) == 0:
        return float(nats) / math.log(2.0)
    return np.asarray(nats, dtype=np.float64) / math.log(2.0)


def perplexity(nats: Any) -> Any:
    """
    Per-character perplexity exp(loss) from a mean loss in nats (= 2 ** bpc).

    Inputs:
    - nats: Float or array, mean loss per character with natural logarithms

    Returns:
    - ppl: Same type and shape
    """
    if np.ndim(nats) == 0:
        return math.exp(float(nats))
    return np.exp(np.asarray(nats, dtype=np.float64))


@dataclass(frozen=True)
class _Table:
    """Counts of one level: sorted gram keys and their counts, and per-context sums."""

    keys: np.ndarray  # (G,) sorted gram keys
    counts: np.ndarray  # (G,) counts (raw or continuation)
    ctx: np.ndarray  # (C,) sorted context keys (gram key // V)
    totals: np.ndarray  # (C,) c(h) = sum of the counts of the grams with context h
    types: np.ndarray  # (C,) N(h) = number of distinct grams with context h
    discount: float


def _lookup(sorted_keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """values[i] where sorted_keys[i] == query, else 0 (any query shape)."""
    if sorted_keys.size == 0:
        return np.zeros(query.shape, dtype=values.dtype)
    i = np.searchsorted(sorted_keys, query)
    i = np.minimum(i, sorted_keys.size - 1)
    return np.where(sorted_keys[i] == query, values[i], 0)


def _check_blocks(name: str, blocks: Any, V: int) -> np.ndarray:
    """A 2-D int64 array (B, L) of ids in [0, V); a 1-D array is taken as one block."""
    arr = np.asarray(blocks)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: expected an integer array of shape (B, L) or (L,), got shape "
                         f"{np.shape(blocks)} and dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= V):
        raise ValueError(f"{name}: ids must lie in [0, V) with V = {V}")
    return arr.astype(np.int64, copy=False)


class KneserNey:
    """
    Interpolated Kneser-Ney character n-gram model (see the module docstring).

    Inputs:
    - order: Integer n >= 1, the model conditions on n - 1 previous characters
    - V: Integer vocabulary size (ids are 0 .. V - 1)
    - discount: None (Ney's estimate per order), a float in (0, 1] for every
      order, or a sequence of ``order`` floats (orders 1 .. n)

    After :meth:`fit`, the model can also be evaluated with any lower order
    (``order=`` argument of the methods); the tables are shared.
    """

    def __init__(self, order: int, V: int,
                 discount: Union[None, float, Sequence[float]] = None):
        check_int("V", V, 2)
        check_int("order", order, 1)
        if discount is not None:
            d = np.atleast_1d(np.asarray(discount, dtype=np.float64))
            if d.size == 1:
                d = np.full(order, float(d[0]))
            if d.shape != (order,) or not np.all((d > 0) & (d <= 1)):
                raise ValueError(f"discount: expected None, a float in (0, 1] or {order} such "
                                 f"floats, got {discount!r}")
            discount = d
        self.order = int(order)
        self.V = int(V)
        self.discount = discount
        self._raw = {}
        self._cont = {}
        self._vocab = {}  # k -> sorted keys of the distinct training k-grams (k < order)

    # ------------------------------------------------------------------ keys
    #: Key of a position whose k-gram is not complete yet (t < k - 1).
    _TOO_EARLY = -1
    #: Key of a complete k-gram whose context never occurs in the training text.
    _UNSEEN = -2

    def _ranks(self, keys: np.ndarray, k: int) -> np.ndarray:
        """Rank of each k-gram key among the training k-grams; -1 too early, -2 unseen."""
        vocab = self._vocab[k]  # (G_k,) sorted
        i = np.searchsorted(vocab, keys)  # (B, L)
        found = np.zeros(keys.shape, dtype=bool)
        if vocab.size:
            found = (keys >= 0) & (vocab[np.minimum(i, vocab.size - 1)] == keys)
        missing = np.where(keys == self._TOO_EARLY, self._TOO_EARLY, self._UNSEEN)
        return np.where(found, i, missing)

    def _gram_keys(self, blocks: np.ndarray, n: int, build: bool = False) -> list:
        """
        keys[k - 1] (B, L): key of the k-gram ending at each position, k = 1..n.

        The key is rank(context) * V + last character (see the module
        docstring); -1 where fewer than k characters precede (t < k - 1), -2
        where the context never occurs in the training text. With
        ``build=True`` (fitting) the sorted training k-grams of every level
        k < n are stored first, so the ranks are those of ``blocks`` itself.
        """
        B, L = blocks.shape
        keys = [blocks.copy()]  # (B, L) unigrams: the empty context has rank 0
        for k in range(2, n + 1):
            prev = keys[-1]  # (B, L) keys of the (k-1)-grams
            if build:
                self._vocab[k - 1] = np.unique(prev[prev >= 0])
            ranks = self._ranks(prev, k - 1)  # (B, L)
            cur = np.full((B, L), self._TOO_EARLY, dtype=np.int64)  # (B, L)
            if L >= k:
                # the k-gram ending at t = its context (the (k-1)-gram ending at
                # t - 1) followed by x_t
                ctx = ranks[:, k - 2:L - 1]  # (B, L - k + 1)
                cur[:, k - 1:] = np.where(ctx >= 0, ctx * self.V + blocks[:, k - 1:],
                                          self._UNSEEN)
            keys.append(cur)
        return keys

    def _table(self, keys: np.ndarray, counts: np.ndarray, k: int) -> _Table:
        ctx_all = keys // self.V  # (G,) sorted, since keys are sorted
        ctx, start = np.unique(ctx_all, return_index=True)
        totals = np.add.reduceat(counts, start) if counts.size else counts
        types = np.diff(np.append(start, counts.size))
        if self.discount is not None:
            D = float(self.discount[k - 1])
        else:
            n1, n2 = int(np.sum(counts == 1)), int(np.sum(counts == 2))
            D = n1 / (n1 + 2 * n2) if n1 + 2 * n2 > 0 else 0.5
            D = min(max(D, 1e-3), 1.0)
        return _Table(keys, counts, ctx, totals, types, D)

    # ------------------------------------------------------------------- fit
    def fit(self, blocks: Any) -> "KneserNey":
        """
        Count the n-grams of the training text.

        n-grams never cross the boundary between two rows (blocks).

        Inputs:
        - blocks: Integer array of shape (B, L) (or (L,)), ids in [0, V)

        Returns:
        - self
        """
        blocks = _check_blocks("blocks", blocks, self.V)
        self._raw, self._cont, self._vocab = {}, {}, {}
        keys = self._gram_keys(blocks, self.order, build=True)
        for k in range(1, self.order + 1):
            valid = keys[k - 1][keys[k - 1] >= 0]
            u, c = np.unique(valid, return_counts=True)
            self._raw[k] = self._table(u, c.astype(np.int64), k)
        for k in range(1, self.order):
            # continuation count of a k-gram g: distinct characters seen before g,
            # i.e. the number of distinct (k+1)-grams whose last k characters are g;
            # the last k characters of the (k+1)-gram ending at t are the k-gram ending at t
            valid = keys[k] >= 0  # (B, L) positions with a (k+1)-gram
            _, first = np.unique(keys[k][valid], return_index=True)  # one per distinct (k+1)-gram
            suffix = keys[k - 1][valid][first]  # (G_{k+1},) keys of their last k characters
            u, c = np.unique(suffix, return_counts=True)
            self._cont[k] = self._table(u, c.astype(np.int64), k)
        return self

    def _check_fitted(self, order: Optional[int]) -> int:
        if not self._raw:
            raise ValueError("the model is not fitted yet: call fit(train_blocks) first")
        n = self.order if order is None else order
        return check_int("order", n, 1, self.order)

    def discounts(self, order: Optional[int] = None) -> np.ndarray:
        """The discounts D_1 .. D_n used by the model of the given order, shape (n,)."""
        n = self._check_fitted(order)
        return np.array([(self._raw[k] if k == n else self._cont[k]).discount
                         for k in range(1, n + 1)])

    # --------------------------------------------------------------- predict
    def log_probs(self, blocks: Any, order: Optional[int] = None) -> np.ndarray:
        """
        Natural log-probability of every character given the earlier ones of its row.

        Position t of a row is predicted from the min(t, n - 1) characters
        before it (position 0 from the empty context).

        Inputs:
        - blocks: Integer array of shape (B, L) (or (L,)), ids in [0, V)
        - order: Integer in [1, fitted order], default the fitted order

        Returns:
        - logp: float64 array of shape (B, L) (or (L,) for 1-D input), all finite
        """
        n = self._check_fitted(order)
        one_d = np.ndim(blocks) == 1
        arr = _check_blocks("blocks", blocks, self.V)
        keys = self._gram_keys(arr, n)
        p = np.full(arr.shape, 1.0 / self.V)  # (B, L): level 0, uniform
        for k in range(1, n + 1):
            p = self._level(self._raw[k] if k == n else self._cont[k], keys[k - 1], p)
        logp = np.log(p)
        return logp[0] if one_d else logp

    def _level(self, table: _Table, key: np.ndarray, p: np.ndarray) -> np.ndarray:
        """One step of eq. (KN): the level of ``table`` on top of the lower levels' p (B, L)."""
        c = _lookup(table.keys, table.counts, key)  # (B, L), key -1 where the context is short
        ctx = np.where(key >= 0, key // self.V, -1)
        total = _lookup(table.ctx, table.totals, ctx).astype(np.float64)  # (B, L)
        types = _lookup(table.ctx, table.types, ctx)  # (B, L)
        D = table.discount
        seen = total > 0
        safe = np.where(seen, total, 1.0)
        return np.where(seen, np.maximum(c - D, 0.0) / safe + D * types / safe * p, p)

    def log_probs_by_order(self, blocks: Any, max_order: Optional[int] = None) -> np.ndarray:
        """
        :meth:`log_probs` of every order 1 .. max_order at once, in one pass over the levels.

        The model of order n uses the continuation counts up to level n - 1
        and the raw counts at level n, so the lower levels are shared: the
        cost is that of one call of :meth:`log_probs`, not of max_order calls.

        Inputs:
        - blocks: Integer array of shape (B, L)
        - max_order: Integer in [1, fitted order], default the fitted order

        Returns:
        - logp: float64 array of shape (max_order, B, L); logp[n - 1] equals
          ``log_probs(blocks, n)``
        """
        n = self._check_fitted(max_order)
        arr = _check_blocks("blocks", blocks, self.V)
        keys = self._gram_keys(arr, n)
        out = np.empty((n,) + arr.shape)  # (n, B, L)
        p = np.full(arr.shape, 1.0 / self.V)  # (B, L): level 0, uniform
        for k in range(1, n + 1):
            out[k - 1] = np.log(self._level(self._raw[k], keys[k - 1], p))
            if k < n:
                p = self._level(self._cont[k], keys[k - 1], p)
        return out

    def nll_by_order(self, blocks: Any, max_order: Optional[int] = None) -> np.ndarray:
        """
        Held-out loss (nats, characters 2..L of each row) of every order 1 .. max_order.

        Inputs:
        - blocks: Integer array of shape (B, L) with L >= 2
        - max_order: as in :meth:`log_probs_by_order`

        Returns:
        - loss: float64 array of shape (max_order,); loss[n - 1] equals ``nll(blocks, n)``
        """
        blocks = np.atleast_2d(np.asarray(blocks))
        if blocks.ndim != 2 or blocks.shape[1] < 2:
            raise ValueError(f"blocks: expected shape (B, L) with L >= 2, got {blocks.shape}")
        return -self.log_probs_by_order(blocks, max_order)[:, :, 1:].mean(axis=(1, 2))

    def nll(self, blocks: Any, order: Optional[int] = None) -> float:
        """
        Held-out loss: mean negative log-likelihood (nats) of characters 2..L of each row.

        Inputs:
        - blocks: Integer array of shape (B, L) with L >= 2
        - order: as in :meth:`log_probs`

        Returns:
        - loss: Float, nats per character
        """
        logp = self.log_probs(np.atleast_2d(np.asarray(blocks)), order)  # (B, L)
        if logp.shape[1] < 2:
            raise ValueError("blocks: rows need at least 2 characters")
        return float(-logp[:, 1:].mean())

    def next_log_probs(self, contexts: Any, order: Optional[int] = None) -> np.ndarray:
        """
        Log-probabilities of every possible next character after each context.

        Inputs:
        - contexts: Integer array of shape (S, C) (or (C,)), C >= 0; only the last
          n - 1 characters matter
        - order: as in :meth:`log_probs`

        Returns:
        - logp: Array of shape (S, V) (or (V,)); exp(logp) sums to 1 along the last axis
        """
        n = self._check_fitted(order)
        ctx = np.asarray(contexts)
        one_d = ctx.ndim == 1
        ctx = _check_blocks("contexts", ctx.reshape(1, -1) if one_d else ctx, self.V)
        S = ctx.shape[0]
        ctx = ctx[:, max(0, ctx.shape[1] - (n - 1)):] if n > 1 else ctx[:, :0]  # (S, C')
        rows = np.concatenate([np.repeat(ctx, self.V, axis=0),  # (S * V, C')
                               np.tile(np.arange(self.V), S)[:, None]], axis=1)  # (S * V, C' + 1)
        logp = self.log_probs(rows, n)[:, -1].reshape(S, self.V)  # (S, V)
        return logp[0] if one_d else logp

    def next_logits(self, contexts: Any) -> np.ndarray:
        """Alias of :meth:`next_log_probs` (log-probabilities are valid logits); for sampling."""
        return self.next_log_probs(contexts)

    def context_counts(self, blocks: Any, order: Optional[int] = None) -> np.ndarray:
        """
        How often the full context of each position was seen in training.

        For position t this is c(h) = the number of training occurrences of the
        n - 1 characters before t followed by any character; 0 when the
        context was never seen or when t < n - 1 (the context is incomplete).

        Inputs:
        - blocks: Integer array of shape (B, L)
        - order: n, as in :meth:`log_probs`

        Returns:
        - counts: int64 array of shape (B, L)
        """
        n = self._check_fitted(order)
        arr = _check_blocks("blocks", blocks, self.V)
        key = self._gram_keys(arr, n)[n - 1]  # (B, L)
        ctx = np.where(key >= 0, key // self.V, -1)
        table = self._raw[n]
        return _lookup(table.ctx, table.totals, ctx).astype(np.int64)

    def n_grams(self, order: Optional[int] = None) -> int:
        """Number of distinct k-grams stored by the model of the given order (k = 1..n)."""
        n = self._check_fitted(order)
        return int(sum((self._raw[k] if k == n else self._cont[k]).keys.size
                       for k in range(1, n + 1)))

    def unseen_fraction(self, blocks: Any, order: Optional[int] = None) -> float:
        """
        Fraction of held-out n-grams (with a full context) never seen in training.

        The maximum-likelihood model gives each of them probability zero, so
        its held-out perplexity is infinite whenever this fraction is positive.

        Inputs:
        - blocks: Integer array of shape (B, L) with L >= order
        - order: n, as in :meth:`log_probs`

        Returns:
        - fraction: Float in [0, 1]
        """
        n = self._check_fitted(order)
        arr = _check_blocks("blocks", blocks, self.V)
        key = self._gram_keys(arr, n)[n - 1]
        key = key[key != self._TOO_EARLY]  # unseen contexts (-2) count as unseen n-grams
        if key.size == 0:
            raise ValueError(f"blocks: rows need at least order = {n} characters")
        return float(np.mean(_lookup(self._raw[n].keys, self._raw[n].counts, key) == 0))
