"""Small, offline sequence data for the first chapter.

Everything here is either real data that an installed package ships, or
generated deterministically from a seed; nothing is downloaded.

- :func:`load_stdlib_text`: English prose from Python's own documentation
  (the ``pydoc_data`` package of the standard library).
- :func:`load_goog_close`: daily closing prices of Google stock, 2004-2008,
  from matplotlib's sample data (originally from Yahoo Finance).
- :func:`pluck`: a synthesised plucked-string sound (Karplus-Strong).
- :func:`encode_chars`: a character vocabulary and integer ids.
- :func:`marker_sequences`, :func:`window_predict`: the 'was there a marker?'
  task that defeats every fixed-window model.
"""

import numpy as np

__all__ = [
    "load_stdlib_text",
    "load_goog_close",
    "pluck",
    "encode_chars",
    "marker_sequences",
    "window_predict",
]


def load_stdlib_text(topic="while"):
    """
    Return one help topic of Python's documentation as plain text.

    The text ships with every CPython installation in ``pydoc_data.topics``
    (it is what ``help("while")`` prints), under the Python Software
    Foundation licence.

    Inputs:
    - topic: String key of ``pydoc_data.topics.topics``, e.g. "while", "if", "for"

    Returns:
    - text: String
    """
    from pydoc_data.topics import topics

    if topic not in topics:
        raise ValueError(f"topic: expected one of the pydoc topics such as 'while', got {topic!r}")
    return topics[topic]


def load_goog_close():
    """
    Return the daily closing prices of Google (GOOG) from matplotlib's sample data.

    The file ``goog.npz`` ships inside matplotlib (``mpl-data/sample_data``)
    and covers 1047 trading days from 19 August 2004; the prices come from
    Yahoo Finance.

    Returns a tuple of:
    - dates: Array of shape (T,), dtype datetime64[D]
    - close: Array of shape (T,), float64, closing price in US dollars
    """
    # The data file ships with matplotlib; find it without importing the
    # plotting library (nothing under rnn_helpers.data imports one).
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("load_goog_close: matplotlib (which ships goog.npz) is not installed")
    path = Path(spec.submodule_search_locations[0]) / "mpl-data" / "sample_data" / "goog.npz"
    with np.load(path) as npz:
        data = npz["price_data"]  # structured array, one record per trading day
    return np.asarray(data["date"]), np.asarray(data["close"], dtype=np.float64)


def pluck(frequency=220.0, duration=0.5, sample_rate=8000, decay=0.996, seed=0):
    """
    Synthesise a plucked string with the Karplus-Strong algorithm.

    A buffer of P = sample_rate / frequency random values is played over and
    over, each pass averaged with its neighbour and damped:
    y[n] = decay * (y[n - P] + y[n - P - 1]) / 2. The sound is itself a
    sequence produced by a recurrence.

    Inputs:
    - frequency: Float pitch in Hz (220 Hz is the note A3)
    - duration: Float length in seconds
    - sample_rate: Integer samples per second
    - decay: Float damping per period, in (0, 1]
    - seed: Integer seed of the initial noise burst

    Returns:
    - y: Array of shape (round(duration * sample_rate),), float64, in [-1, 1]
    """
    n = int(round(duration * sample_rate))
    period = int(round(sample_rate / frequency))
    if period < 2 or n < period + 1:
        raise ValueError("frequency and duration: need at least one period of two or more samples")
    rng = np.random.default_rng(seed)
    y = np.empty(n + 1)
    y[: period + 1] = rng.uniform(-1.0, 1.0, size=period + 1)
    # one period at a time: every sample of a block depends only on the previous period
    start = period + 1
    while start <= n:
        stop = min(start + period, n + 1)
        one_period_back = y[start - period:stop - period]
        and_one_more = y[start - period - 1:stop - period - 1]
        y[start:stop] = decay * 0.5 * (one_period_back + and_one_more)
        start = stop
    y = y[1:]
    return y / np.max(np.abs(y))


def encode_chars(text):
    """
    Build a character vocabulary and encode a text as integer ids.

    Inputs:
    - text: String of length T

    Returns a tuple of:
    - ids: Integer array of shape (T,), ids[t] is the index of text[t] in vocab
    - vocab: List of the V distinct characters, sorted
    """
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}
    ids = np.fromiter((index[ch] for ch in text), dtype=np.int64, count=len(text))
    return ids, vocab


def marker_sequences(n, T, p=None, seed=0):
    """
    Sample the 'was there a marker?' task.

    Each of the T positions holds a marker (1) independently with probability
    p, otherwise 0. The label is 1 if the sequence holds at least one marker.
    By default p = 1 - 2**(-1/T), so that exactly half of all sequences (in
    expectation) contain a marker.

    Inputs:
    - n: Integer number of sequences N
    - T: Integer sequence length
    - p: Float marker probability per position, or None for the balanced default
    - seed: Integer seed

    Returns a tuple of:
    - x: Array of shape (N, T, 1), float64, entries 0.0 or 1.0 (D = 1 feature)
    - y: Integer array of shape (N,), the labels
    """
    if p is None:
        p = 1.0 - 2.0 ** (-1.0 / T)
    rng = np.random.default_rng(seed)
    x = (rng.random((n, T, 1)) < p).astype(np.float64)  # (N, T, 1)
    y = x.max(axis=(1, 2)).astype(np.int64)  # (N,)
    return x, y


def window_predict(x, k):
    """
    The best prediction from the last k positions on the marker task.

    Predict 1 if the window holds a marker. If it holds none, a marker
    earlier in the sequence is less likely than not (for the balanced p), so
    predict 0. No model that sees only the window can do better.

    Inputs:
    - x: Array of shape (N, T, 1) from marker_sequences
    - k: Integer window length, 0 <= k <= T

    Returns:
    - y_hat: Integer array of shape (N,)
    """
    T = x.shape[1]
    if not 0 <= k <= T:
        raise ValueError(f"k: expected 0 <= k <= T={T}, got {k}")
    if k == 0:
        return np.zeros(x.shape[0], dtype=np.int64)
    return x[:, T - k:, 0].max(axis=1).astype(np.int64)  # (N,)
