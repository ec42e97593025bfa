"""A real text corpus for character-level language models, offline.

The corpus is the help text of Python's documentation that ships with every
CPython installation: the module ``pydoc_data.topics`` of the standard
library holds one plain-text page per help topic (what ``help("while")``
prints), written by the Python documentation authors and distributed with
Python under the Python Software Foundation License. It is English prose
mixed with grammar rules and code examples, about 465 000 characters in
Python 3.11 (the exact text changes a little between Python releases), of
which about 377 000 remain once repeated paragraphs are removed.

- :func:`load_pydoc_text`: every topic, in the sorted order of their names,
  joined into one string, by default without repeated paragraphs
  (:func:`deduplicate_paragraphs`: many topics share whole sections).
- :func:`normalise`: typographic quotes and dashes to ASCII, so that the
  vocabulary is (almost) printable ASCII plus the newline.
- :class:`CharCorpus` / :func:`load_corpus`: a character vocabulary, the text
  as integer ids and a deterministic train / validation / test split by
  contiguous blocks.
- :func:`split_blocks`: that split, for any id array.
- :func:`verbatim_overlap`: how much held-out text occurs word for word in
  the training text (a check for leakage between the splits).
- :func:`random_windows`, :func:`window_batch_fn`: (N, T) windows for
  truncated backpropagation through time, inputs and next-character targets.
- :func:`stream_windows`, :func:`stream_batch_fn`: sequential partitioning,
  (N, k) batches from N parallel contiguous streams, so that batch s + 1
  continues batch s row by row and the state can be carried across batches.

Example::

    corpus = load_corpus()
    corpus.train.shape              # (n_train_blocks, block_size)
    x, y = random_windows(corpus.train, 32, 100, np.random.default_rng(0))
    x.shape, y.shape                # (32, 100), (32, 100); y[:, t] = x[:, t + 1]

Why one module of over 400 lines: loading, normalising, splitting and
batching the corpus are one pipeline whose steps share the split's
invariants (blocks, vocabulary); most of the length is docstrings.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Sequence, Tuple

import numpy as np

from rnn_helpers.argcheck import check_int, check_rng

__all__ = [
    "TYPOGRAPHIC",
    "load_pydoc_text",
    "deduplicate_paragraphs",
    "normalise",
    "build_vocab",
    "encode",
    "decode",
    "split_blocks",
    "CharCorpus",
    "load_corpus",
    "verbatim_overlap",
    "random_windows",
    "window_batch_fn",
    "stream_windows",
    "stream_batch_fn",
]

#: Typographic characters of the documentation and their ASCII replacements.
TYPOGRAPHIC = {
    "\u2018": "'", "\u2019": "'",  # single quotes
    "\u201c": '"', "\u201d": '"',  # double quotes
    "\u2013": "-", "\u2014": "--",  # en and em dash
    "\u2026": "...",  # ellipsis
    "\u00a0": " ",  # no-break space
    "\t": "    ",
    "\r": "",
}


def load_pydoc_text(dedup: bool = True) -> str:
    """
    Return all of Python's help topics as one string.

    The topics ship with CPython in ``pydoc_data.topics.topics`` (a dict from
    topic name to text); they are joined in the sorted order of their names,
    separated by a blank line, so the result is the same on every machine
    with the same Python release. Several topics share whole sections, so by
    default repeated paragraphs are removed (:func:`deduplicate_paragraphs`).

    Inputs:
    - dedup: Boolean, remove repeated paragraphs (default True)

    Returns:
    - text: String, about 377 000 characters deduplicated, 465 000 not (Python 3.11)
    """
    from pydoc_data.topics import topics

    text = "\n\n".join(topics[name].strip("\n") for name in sorted(topics)) + "\n"
    return deduplicate_paragraphs(text) if dedup else text


def deduplicate_paragraphs(text: str, min_chars: int = 40) -> str:
    """
    Keep only the first occurrence of every paragraph of at least ``min_chars``.

    Paragraphs are separated by blank lines ("\\n\\n"); two paragraphs are the
    same when they are equal after stripping surrounding white space. Short
    paragraphs ("Note:", "For example:") are always kept. Without this step
    half of the held-out text of the help topics would occur verbatim in the
    training text, and a model that memorises would look far better than it is.

    Inputs:
    - text: String
    - min_chars: Integer >= 1, shorter paragraphs are never removed

    Returns:
    - text: String, the paragraphs kept, joined by blank lines
    """
    if not isinstance(text, str):
        raise ValueError(f"text: expected a str, got {type(text).__name__}")
    check_int("min_chars", min_chars, 1)
    seen, kept = set(), []
    for paragraph in text.split("\n\n"):
        key = paragraph.strip()
        if len(key) >= min_chars:
            if key in seen:
                continue
            seen.add(key)
        kept.append(paragraph)
    return "\n\n".join(kept)


def normalise(text: str) -> str:
    """
    Map a text to (almost) plain ASCII.

    Typographic quotes, dashes and the ellipsis become their ASCII forms
    (:data:`TYPOGRAPHIC`), tabs become four spaces; any other non-ASCII
    character is decomposed (NFKD) and stripped of accents, e.g. "é" -> "e";
    what remains non-ASCII (e.g. "ß", "°") is replaced by "?".

    Inputs:
    - text: String

    Returns:
    - clean: String containing only ASCII characters
    """
    if not isinstance(text, str):
        raise ValueError(f"text: expected a str, got {type(text).__name__}")
    out = []
    for ch in text:
        if ch in TYPOGRAPHIC:
            out.append(TYPOGRAPHIC[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            ascii_ = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
            out.append(ascii_ if ascii_ else "?")
    return "".join(out)


def build_vocab(text: str) -> Tuple[str, ...]:
    """
    The sorted tuple of the distinct characters of ``text`` (the vocabulary).

    Inputs:
    - text: Non-empty string

    Returns:
    - vocab: Tuple of V single-character strings, sorted by code point
    """
    if not isinstance(text, str) or not text:
        raise ValueError("text: expected a non-empty str")
    return tuple(sorted(set(text)))


def encode(text: str, vocab: Sequence[str]) -> np.ndarray:
    """
    Encode a text as integer ids.

    Inputs:
    - text: String of length L; every character must be in vocab
    - vocab: Sequence of V distinct characters

    Returns:
    - ids: int64 array of shape (L,), ids[i] = vocab.index(text[i])
    """
    index = {ch: i for i, ch in enumerate(vocab)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(f"text: characters {unknown[:5]!r} are not in the vocabulary")
    return np.fromiter((index[ch] for ch in text), dtype=np.int64, count=len(text))


def decode(ids: Any, vocab: Sequence[str]) -> str:
    """
    Turn integer ids back into text.

    Inputs:
    - ids: Integer array-like of shape (L,) with entries in [0, V)
    - vocab: Sequence of V characters

    Returns:
    - text: String of length L
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"ids: expected a 1-D integer array of shape (L,), got shape {ids.shape} "
                         f"and dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= len(vocab)):
        raise ValueError(f"ids: entries must lie in [0, V) with V = {len(vocab)}")
    return "".join(vocab[i] for i in ids.tolist())


def split_blocks(ids: Any, block_size: int = 4096, period: int = 20
                 ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    Split a sequence into contiguous blocks: train, validation and test.

    The ids are cut into ``B = len(ids) // block_size`` blocks of
    ``block_size`` consecutive characters (the incomplete tail is dropped).
    Within every group of ``period`` consecutive blocks, the last-but-one
    block goes to validation, the last one to test, the others to training.
    Held-out text is thus spread over the whole corpus (not one topic at the
    end), yet every held-out block is a contiguous stretch that the model
    never saw, with no overlap with the training blocks.

    Inputs:
    - ids: Integer array of shape (L,)
    - block_size: Integer > 1, characters per block
    - period: Integer >= 3, one validation and one test block per period

    Returns a tuple of:
    - train: Array of shape (B_train, block_size)
    - valid: Array of shape (B_valid, block_size)
    - test: Array of shape (B_test, block_size)
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids: expected a 1-D integer array of shape (L,), got shape {ids.shape} "
                         f"and dtype {ids.dtype}")
    check_int("block_size", block_size, 2)
    check_int("period", period, 3)
    n_blocks = len(ids) // block_size
    if n_blocks < period:
        raise ValueError(f"ids: length {len(ids)} gives {n_blocks} blocks of {block_size}; "
                         f"need at least period = {period}")
    blocks = ids[: n_blocks * block_size].reshape(n_blocks, block_size)  # (B, block_size)
    phase = np.arange(n_blocks) % period
    return (blocks[phase < period - 2].copy(),
            blocks[phase == period - 2].copy(),
            blocks[phase == period - 1].copy())


@dataclass(frozen=True)
class CharCorpus:
    """
    A character corpus, encoded and split.

    Attributes:
    - vocab: Tuple of the V characters; id i stands for vocab[i]
    - train: int64 array (B_train, block_size), the training blocks
    - valid: int64 array (B_valid, block_size), for choosing settings
    - test: int64 array (B_test, block_size), for the final report only
    - source: String saying where the text comes from
    """

    vocab: Tuple[str, ...]
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    source: str = ""

    @property
    def V(self) -> int:
        """The vocabulary size."""
        return len(self.vocab)

    def encode(self, text: str) -> np.ndarray:
        """Ids of ``text`` (shape (L,)); see :func:`encode`."""
        return encode(text, self.vocab)

    def decode(self, ids: Any) -> str:
        """Text of ``ids`` (shape (L,)); see :func:`decode`."""
        return decode(ids, self.vocab)

    def sizes(self) -> dict:
        """Number of characters in each split."""
        return {name: int(getattr(self, name).size) for name in ("train", "valid", "test")}


def load_corpus(block_size: int = 4096, period: int = 20, dedup: bool = True) -> CharCorpus:
    """
    Python's help topics, deduplicated, normalised, encoded and split into blocks.

    The vocabulary holds every character of the normalised corpus (all
    splits), so no held-out character is unknown; a character that is rare
    in training still gets a small probability from every model.

    Inputs:
    - block_size, period: see :func:`split_blocks`
    - dedup: remove repeated paragraphs first (see :func:`deduplicate_paragraphs`)

    Returns:
    - corpus: CharCorpus
    """
    import sys

    text = normalise(load_pydoc_text(dedup))
    vocab = build_vocab(text)
    train, valid, test = split_blocks(encode(text, vocab), block_size, period)
    source = (f"pydoc_data.topics (Python {sys.version_info.major}.{sys.version_info.minor} "
              "help topics), Python Software Foundation License")
    return CharCorpus(vocab, train, valid, test, source)


def verbatim_overlap(train: Any, heldout: Any, k: int = 50, stride: int = 7,
                     per_row: bool = False) -> Any:
    """
    Fraction of held-out windows of k characters that occur verbatim in the training blocks.

    Windows start every ``stride`` characters of every held-out block. For
    ordinary prose and k = 50 the fraction is close to 0; a large value means
    that the held-out text repeats the training text (leakage), and scores on
    it reward memorisation.

    Inputs:
    - train: Integer array of shape (B_train, L)
    - heldout: Integer array of shape (B_held, L')
    - k: Integer window length, 1 <= k <= min(L, L')
    - stride: Integer >= 1
    - per_row: Boolean, return one fraction per held-out row

    Returns:
    - fraction: Float in [0, 1], or an array of shape (B_held,) if per_row
    """
    train, heldout = np.asarray(train), np.asarray(heldout)
    for name, arr in (("train", train), ("heldout", heldout)):
        if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"{name}: expected a 2-D integer array of shape (B, L), got shape "
                             f"{arr.shape} and dtype {arr.dtype}")
    check_int("k", k, 1, min(train.shape[1], heldout.shape[1]))
    check_int("stride", stride, 1)
    seen = np.sort(_window_hashes(train, k, 1).ravel())  # (G,)
    held = _window_hashes(heldout, k, stride)  # (B_held, W)
    i = np.minimum(np.searchsorted(seen, held), seen.size - 1)
    found = seen[i] == held  # (B_held, W)
    return found.mean(axis=1) if per_row else float(found.mean())


def _window_hashes(rows: np.ndarray, k: int, stride: int) -> np.ndarray:
    """A 64-bit polynomial hash of every window of k ids, shape (B, W).

    h = sum_j ids[t + j] * P^(k - 1 - j) modulo 2^64 (NumPy's unsigned integer
    arithmetic wraps around); collisions between different windows have a
    probability of about 2^-64 per pair and are ignored.
    """
    P = 1_000_003
    powers = np.array([pow(P, k - 1 - j, 2 ** 64) for j in range(k)], dtype=np.uint64)  # (k,)
    ids = rows.astype(np.uint64)  # (B, L)
    W = rows.shape[1] - k + 1
    h = np.zeros((rows.shape[0], W), dtype=np.uint64)  # (B, W)
    for j in range(k):  # one vectorised pass per offset; the products wrap modulo 2^64
        h += ids[:, j:j + W] * powers[j]
    return h[:, ::stride]


def _as_blocks(blocks: Any) -> np.ndarray:
    """``blocks`` as a 2-D integer array (B, L), or a ValueError naming it."""
    blocks = np.asarray(blocks)
    if blocks.ndim != 2 or not np.issubdtype(blocks.dtype, np.integer):
        raise ValueError(f"blocks: expected a 2-D integer array of shape (B, L), got shape "
                         f"{blocks.shape} and dtype {blocks.dtype}")
    return blocks


def _check_blocks(blocks: Any, T: int) -> np.ndarray:
    blocks = _as_blocks(blocks)
    check_int("T", T, 1)
    if blocks.shape[1] < T + 1:
        raise ValueError(f"blocks: rows of length {blocks.shape[1]} are too short for windows "
                         f"of T + 1 = {T + 1} characters")
    return blocks


def random_windows(blocks: Any, N: int, T: int, rng: np.random.Generator
                   ) -> Tuple[np.ndarray, np.ndarray]:
    """
    Draw N random windows of T + 1 consecutive characters from the blocks.

    A window never crosses the end of a block. The input is the first T
    characters and the target the last T, shifted by one: the model reads
    x[:, :t + 1] and must predict y[:, t] = x[:, t + 1]. Backpropagation
    through time runs over the T steps of a window only (truncated BPTT).

    Inputs:
    - blocks: Integer array of shape (B, L) with L >= T + 1
    - N: Integer number of windows
    - T: Integer window length
    - rng: numpy.random.Generator

    Returns a tuple of:
    - x: int64 array of shape (N, T), inputs
    - y: int64 array of shape (N, T), targets
    """
    blocks = _check_blocks(blocks, T)
    check_int("N", N, 1)
    check_rng("rng", rng)
    B, L = blocks.shape
    rows = rng.integers(0, B, size=N)  # (N,)
    starts = rng.integers(0, L - T, size=N)  # (N,), start + T <= L - 1
    cols = starts[:, None] + np.arange(T + 1)[None, :]  # (N, T + 1)
    window = blocks[rows[:, None], cols].astype(np.int64)  # (N, T + 1)
    return window[:, :-1], window[:, 1:]


def window_batch_fn(blocks: Any, N: int, T: int):
    """
    A ``batch_fn(step, rng)`` for :func:`rnn_helpers.models.training.train`.

    Inputs:
    - blocks: Integer array of shape (B, L), usually ``corpus.train``
    - N, T: batch size and window length, as in :func:`random_windows`

    Returns:
    - batch_fn: callable (step, rng) -> (x, y), two torch int64 tensors (N, T)
    """
    import torch

    blocks = _check_blocks(blocks, T)

    def batch_fn(step: int, rng: np.random.Generator):
        x, y = random_windows(blocks, N, T, rng)
        return torch.from_numpy(x), torch.from_numpy(y)

    return batch_fn


def stream_windows(blocks: Any, N: int, k: int, offset: int = 0
                   ) -> Tuple[np.ndarray, np.ndarray]:
    """
    Sequential partitioning: the text as N parallel contiguous streams, cut into (N, k) batches.

    The blocks are joined row after row into one sequence; characters
    ``offset`` .. are cut into N equal streams of S = W * k + 1 characters
    (W = the number of whole batches that fit; the tail is dropped). Batch w
    holds characters w * k .. (w + 1) * k of every stream, so row n of batch
    w + 1 continues row n of batch w exactly: a model that carries its state
    from one batch to the next reads each stream from its start.

    Inputs:
    - blocks: Integer array of shape (B, L), e.g. ``corpus.train``
    - N: Integer number of streams (rows of a batch)
    - k: Integer number of steps per batch (the BPTT truncation)
    - offset: Integer in [0, k), characters skipped at the start (a new
      offset every epoch shifts where the batches cut the streams)

    Returns a tuple of:
    - x: int64 array of shape (W, N, k), inputs; x[w] is batch w
    - y: int64 array of shape (W, N, k), targets, y[w, n, t] the character
      after x[w, n, t] in its stream
    """
    blocks = _as_blocks(blocks)
    check_int("N", N, 1)
    check_int("k", k, 1)
    check_int("offset", offset, 0, k - 1)
    ids = blocks.reshape(-1)[offset:].astype(np.int64)  # (B * L - offset,)
    W = (len(ids) // N - 1) // k
    if W < 1:
        raise ValueError(f"blocks: {blocks.size} characters are too few for N = {N} streams "
                         f"of at least k + 1 = {k + 1} characters")
    S = W * k + 1
    streams = ids[: N * S].reshape(N, S)  # (N, S)
    x = streams[:, :-1].reshape(N, W, k).transpose(1, 0, 2)  # (W, N, k)
    y = streams[:, 1:].reshape(N, W, k).transpose(1, 0, 2)  # (W, N, k)
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def stream_batch_fn(blocks: Any, N: int, k: int):
    """
    A ``batch_fn(step, rng)`` of stateful training for :func:`rnn_helpers.models.training.train`.

    Epoch after epoch it returns the batches of :func:`stream_windows`
    in order; every epoch starts at a new random offset in [0, k) drawn
    from ``rng``. The third element says whether the batch starts an epoch
    (the streams start again, so the carried state must be reset).

    Inputs:
    - blocks: Integer array of shape (B, L), usually ``corpus.train``
    - N, k: number of streams and steps per batch, as in :func:`stream_windows`

    Returns:
    - batch_fn: callable (step, rng) -> (x, y, reset): x and y torch int64
      tensors of shape (N, k), reset a Boolean
    """
    import torch

    stream_windows(blocks, N, k, 0)  # validates the arguments once
    blocks = np.asarray(blocks)
    epoch = {"x": None, "y": None, "w": 0}

    def batch_fn(step: int, rng: np.random.Generator):
        reset = epoch["x"] is None or epoch["w"] >= len(epoch["x"])
        if reset:
            x, y = stream_windows(blocks, N, k, int(rng.integers(0, k)))
            epoch.update(x=torch.from_numpy(x), y=torch.from_numpy(y), w=0)
        w = epoch["w"]
        epoch["w"] = w + 1
        return epoch["x"][w], epoch["y"][w], bool(reset)

    return batch_fn
