"""Human-readable dates in six languages -> ISO 8601, a deterministic translation task.

Each example is a date between 1950-01-01 and 2049-12-31 written in one of
:data:`STYLES` (a locale and a date pattern, e.g. ``"9 de marzo de 1987"``,
``"Montag, 9. März 1987"``, ``"3/9/87"``) together with its ISO 8601 form
``"1987-03-09"``. Translating the first into the second is a small
sequence-to-sequence problem with a single correct answer, checked by string
equality.

Source and licence
------------------
The strings are generated offline by Babel (https://babel.pocoo.org, BSD
licence), whose ``babel.dates.format_date`` formats a date with the patterns
and the month and weekday names of the Unicode Common Locale Data Repository
(CLDR, https://cldr.unicode.org, Unicode licence) that Babel ships. No network
and no randomness outside a seeded ``numpy.random.Generator``: the course pins
Babel in ``constraints.txt``, so the data are the same on every machine (a
different CLDR release could change a few abbreviations, e.g. ``Sep`` vs
``Sept``).

The styles and why some are missing
-----------------------------------
Every locale contributes its CLDR ``medium``, ``long`` and ``full`` formats,
and English and German also their ``short`` one; three custom patterns with
abbreviated weekdays complete the list. The short formats of Spanish
(``d/M/yy``) and Italian (``dd/MM/yy``) are left out on purpose: "3/9/87" would
mean 9 March in American English and 3 September in Spanish, and "10/11/87"
is 11 October in American English but 10 November in Italian. With the styles
kept, every source string has exactly one correct translation (the unit tests
check this for every day of the range in the numeric styles, and for every
month and day name in the others, whose years are written in full), so the
task is a function and exact match is a fair metric. Two-digit years are unambiguous because the range is
1950-2049: ``50``-``99`` mean 19xx, ``00``-``49`` mean 20xx.

The split
---------
:func:`split_dates` shuffles the 36 525 days of the range with a seeded
generator and gives 10 % to the test set, 5 % to the validation set and the
rest to training. A date *value* therefore belongs to exactly one split: no
test date appears in training in any style. (Every year, month and day of the
month does occur in training, only in other combinations.) Within a split
every example has a different date, and the styles are balanced.

========================  =======================================================
:data:`STYLES`             the 24 (locale, pattern) pairs
:func:`format_dates`       dates -> strings in one style
:func:`iso`                dates -> "YYYY-MM-DD" strings
:func:`all_dates`          the 36 525 days of 1950-2049, datetime64[D]
:func:`split_dates`        deterministic disjoint train / validation / test dates
:class:`CharVocab`         characters <-> ids, with <pad>, <sos>, <eos>
:func:`load_dates`         -> :class:`DatesData` (three splits and two vocabularies)
========================  =======================================================

Example::

    data = load_dates(n_train=20000, n_val=1000, n_test=2000, seed=0)
    data.train.source[0], data.train.target[0]     # e.g. ('lun. 9 mars 1987', '1987-03-09')
    batch = data.encode("train")                    # src (N, S), src_len (N,), tgt (N, 11)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np
import torch

from rnn_helpers.argcheck import check_float, check_int

__all__ = [
    "PAD",
    "SOS",
    "EOS",
    "PAD_ID",
    "SOS_ID",
    "EOS_ID",
    "FIRST_DATE",
    "LAST_DATE",
    "STYLES",
    "style_name",
    "format_dates",
    "iso",
    "all_dates",
    "split_dates",
    "source_alphabet",
    "TARGET_ALPHABET",
    "CharVocab",
    "DateExamples",
    "EncodedDates",
    "DatesData",
    "load_dates",
]

PAD, SOS, EOS = "<pad>", "<sos>", "<eos>"
#: ids of the special tokens in every :class:`CharVocab`
PAD_ID, SOS_ID, EOS_ID = 0, 1, 2

FIRST_DATE = np.datetime64("1950-01-01", "D")
LAST_DATE = np.datetime64("2049-12-31", "D")

#: (locale, pattern): CLDR format names ("short", "medium", "long", "full") or LDML patterns
STYLES: Tuple[Tuple[str, str], ...] = (
    ("en_US", "short"),  # 3/9/87
    ("en_US", "medium"),  # Mar 9, 1987
    ("en_US", "long"),  # March 9, 1987
    ("en_US", "full"),  # Monday, March 9, 1987
    ("en_US", "EEE, MMM d, y"),  # Mon, Mar 9, 1987
    ("en_GB", "short"),  # 09/03/1987
    ("en_GB", "medium"),  # 9 Mar 1987
    ("en_GB", "long"),  # 9 March 1987
    ("en_GB", "full"),  # Monday, 9 March 1987
    ("fr_FR", "medium"),  # 9 mars 1987
    ("fr_FR", "long"),  # 9 mars 1987 (differs from medium for most months: 9 janv. 1987)
    ("fr_FR", "full"),  # lundi 9 mars 1987
    ("fr_FR", "EEE d MMM y"),  # lun. 9 mars 1987
    ("de_DE", "short"),  # 09.03.87
    ("de_DE", "medium"),  # 09.03.1987
    ("de_DE", "long"),  # 9. März 1987
    ("de_DE", "full"),  # Montag, 9. März 1987
    ("de_DE", "EEE, d. MMM y"),  # Mo., 9. März 1987
    ("es_ES", "medium"),  # 9 mar 1987
    ("es_ES", "long"),  # 9 de marzo de 1987
    ("es_ES", "full"),  # lunes, 9 de marzo de 1987
    ("it_IT", "medium"),  # 9 mar 1987
    ("it_IT", "long"),  # 9 marzo 1987
    ("it_IT", "full"),  # lunedì 9 marzo 1987
)

#: the characters of every target: digits and the hyphen
TARGET_ALPHABET = "-0123456789"

_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2009": " "}  # CLDR may use no-break or thin spaces


def style_name(style: Tuple[str, str]) -> str:
    """A short label such as ``"de_DE full"`` or ``"fr_FR EEE d MMM y"``."""
    return f"{style[0]} {style[1]}"


def _check_style(style) -> Tuple[str, str]:
    if not (isinstance(style, tuple) and len(style) == 2 and all(isinstance(s, str) for s in style)):
        raise ValueError(f"style: expected a (locale, pattern) tuple of two strings, got {style!r}")
    return style


@lru_cache(maxsize=None)
def _locale(name: str):
    from babel import Locale

    return Locale.parse(name)


def _as_days(dates) -> np.ndarray:
    """(N,) datetime64[D] array from datetime64 values, ISO strings or datetime.date objects."""
    arr = np.asarray(dates)
    if arr.ndim != 1:
        raise ValueError(f"dates: expected a 1-D array of shape (N,), got shape {arr.shape}")
    try:
        arr = arr.astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"dates: expected dates (datetime64, ISO strings or datetime.date), got {arr.dtype}") from exc
    if np.isnat(arr).any():
        raise ValueError("dates: contains NaT (not a time)")
    return arr


def _clean(text: str) -> str:
    for a, b in _SPACES.items():
        text = text.replace(a, b)
    return text


def format_dates(dates, style: Tuple[str, str]) -> List[str]:
    """
    Write dates in one style with Babel.

    Inputs:
    - dates: Array-like of shape (N,): datetime64, ISO strings or datetime.date
    - style: (locale, pattern) tuple, e.g. ("de_DE", "full") or ("en_US", "EEE, MMM d, y")

    Returns:
    - texts: List of N strings (no-break and thin spaces replaced by plain spaces)
    """
    from babel.dates import format_date

    locale, pattern = _check_style(style)
    loc = _locale(locale)
    days = _as_days(dates)
    return [_clean(format_date(d, pattern, locale=loc)) for d in days.astype(object)]


def iso(dates) -> List[str]:
    """
    ISO 8601 calendar dates.

    Inputs:
    - dates: Array-like of shape (N,), as for :func:`format_dates`

    Returns:
    - texts: List of N strings "YYYY-MM-DD"
    """
    return [str(d) for d in _as_days(dates)]


def all_dates() -> np.ndarray:
    """The days from FIRST_DATE to LAST_DATE inclusive: datetime64[D] array of shape (36525,)."""
    return np.arange(FIRST_DATE, LAST_DATE + 1, dtype="datetime64[D]")


def split_dates(seed: int = 0, val_fraction: float = 0.05, test_fraction: float = 0.10) -> Dict[str, np.ndarray]:
    """
    Split the days of 1950-2049 into disjoint train / validation / test sets.

    Inputs:
    - seed: Non-negative integer; the split depends on it alone
    - val_fraction, test_fraction: Fractions of the 36 525 days, each in (0, 1), sum < 1

    Returns:
    - splits: dict "train", "val", "test" -> sorted datetime64[D] arrays; every day of
      the range is in exactly one of them
    """
    seed = check_int("seed", seed, 0)
    val_fraction = check_float("val_fraction", val_fraction, 0, 1, exclusive=True)
    test_fraction = check_float("test_fraction", test_fraction, 0, 1, exclusive=True)
    if val_fraction + test_fraction >= 1:
        raise ValueError("val_fraction + test_fraction: expected less than 1")
    days = all_dates()
    perm = np.random.default_rng([seed, 0]).permutation(days.shape[0])
    n_test = int(round(test_fraction * days.shape[0]))
    n_val = int(round(val_fraction * days.shape[0]))
    return {
        "test": np.sort(days[perm[:n_test]]),
        "val": np.sort(days[perm[n_test:n_test + n_val]]),
        "train": np.sort(days[perm[n_test + n_val:]]),
    }


def source_alphabet(styles: Sequence[Tuple[str, str]] = STYLES) -> str:
    """
    Every character any style can produce, sorted.

    All digits, every month name and every weekday name occur in the 365 days
    of the reference year 2001, so formatting that year in each style finds
    the complete alphabet (the year's digits are added explicitly).

    Inputs:
    - styles: Sequence of (locale, pattern) tuples

    Returns:
    - alphabet: String of the distinct characters, sorted
    """
    days = np.arange(np.datetime64("2001-01-01"), np.datetime64("2002-01-01"), dtype="datetime64[D]")
    chars = set("0123456789")
    for style in styles:
        for text in format_dates(days, style):
            chars.update(text)
    return "".join(sorted(chars))


class CharVocab:
    """
    A character vocabulary with three special tokens.

    Ids 0, 1, 2 are <pad>, <sos>, <eos> (:data:`PAD_ID`, :data:`SOS_ID`,
    :data:`EOS_ID`); the characters of ``alphabet`` follow in order.

    Inputs:
    - alphabet: String of distinct characters
    """

    def __init__(self, alphabet: str):
        if not isinstance(alphabet, str) or not alphabet:
            raise ValueError(f"alphabet: expected a non-empty string, got {alphabet!r}")
        if len(set(alphabet)) != len(alphabet):
            raise ValueError("alphabet: expected distinct characters")
        self.tokens: Tuple[str, ...] = (PAD, SOS, EOS) + tuple(alphabet)
        self.index: Dict[str, int] = {ch: i + 3 for i, ch in enumerate(alphabet)}

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} tokens: 3 special + {''.join(self.tokens[3:])!r})"

    def encode(self, texts: Sequence[str], sos: bool = False, eos: bool = True) -> Tuple[np.ndarray, np.ndarray]:
        """
        Texts -> one padded array of ids.

        Inputs:
        - texts: Sequence of N >= 1 strings
        - sos: Boolean, start every row with <sos>
        - eos: Boolean, end every text with <eos> (before the padding)

        Returns a tuple of:
        - ids: int64 array of shape (N, L), L the longest encoded text; <pad> after each end
        - lengths: int64 array of shape (N,), the number of real tokens per row (with <sos>/<eos>)
        """
        if isinstance(texts, str) or len(texts) == 0:
            raise ValueError("texts: expected a non-empty sequence of strings (N >= 1), not a single string")
        rows = []
        for text in texts:
            try:
                row = [self.index[ch] for ch in text]
            except KeyError as exc:
                raise ValueError(f"texts: character {exc.args[0]!r} in {text!r} is not in the vocabulary") from None
            rows.append(([SOS_ID] if sos else []) + row + ([EOS_ID] if eos else []))
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        ids = np.full((len(rows), max(1, int(lengths.max()))), PAD_ID, dtype=np.int64)  # (N, L)
        for n, row in enumerate(rows):  # building the data, once
            ids[n, :len(row)] = row
        return ids, lengths

    def decode(self, ids) -> List[str]:
        """
        Ids -> texts, stopping at each row's first <eos>; <pad> and <sos> are skipped.

        Inputs:
        - ids: Integer array or tensor of shape (N, L)

        Returns:
        - texts: List of N strings
        """
        if isinstance(ids, torch.Tensor):
            ids = ids.detach().cpu().numpy()
        arr = np.asarray(ids)
        if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"ids: expected an integer array of shape (N, L), got {arr.dtype} {arr.shape}")
        if arr.size and (arr.min() < 0 or arr.max() >= len(self)):
            raise ValueError(f"ids: expected values in [0, {len(self)}), got [{arr.min()}, {arr.max()}]")
        texts = []
        for row in arr.tolist():
            chars = []
            for i in row:
                if i == EOS_ID:
                    break
                if i >= 3:
                    chars.append(self.tokens[i])
            texts.append("".join(chars))
        return texts


@dataclass
class DateExamples:
    """
    One split of the data set.

    - source: list of N human-readable dates
    - target: list of N ISO dates "YYYY-MM-DD"
    - style: int64 array of shape (N,), index into the data set's ``styles``
    - date: datetime64[D] array of shape (N,), distinct within the split
    """

    source: List[str]
    target: List[str]
    style: np.ndarray
    date: np.ndarray

    def __len__(self) -> int:
        return len(self.source)


@dataclass
class EncodedDates:
    """
    A split as padded id tensors.

    - src: int64 tensor of shape (N, S), source characters + <eos>, then <pad>
    - src_len: int64 tensor of shape (N,), real source tokens per row (with <eos>)
    - tgt: int64 tensor of shape (N, T), target characters + <eos> (T = 11 for ISO dates)
    """

    src: torch.Tensor
    src_len: torch.Tensor
    tgt: torch.Tensor

    def __len__(self) -> int:
        return int(self.src.shape[0])

    def subset(self, index) -> "EncodedDates":
        """Rows ``index`` (an integer array or tensor), trimmed to their longest source."""
        index = torch.as_tensor(np.asarray(index), dtype=torch.long)
        src_len = self.src_len[index]
        S = int(src_len.max()) if src_len.numel() else 1
        return EncodedDates(self.src[index, :S], src_len, self.tgt[index])


@dataclass
class DatesData:
    """
    The data set: three splits, the styles and the two vocabularies.

    - train, val, test: :class:`DateExamples`
    - styles: tuple of (locale, pattern) pairs (``style`` arrays index it)
    - src_vocab: :class:`CharVocab` of the human-readable side
    - tgt_vocab: :class:`CharVocab` of the ISO side (digits and "-")
    - seed: Integer seed the data were generated with
    """

    train: DateExamples
    val: DateExamples
    test: DateExamples
    styles: Tuple[Tuple[str, str], ...]
    src_vocab: CharVocab
    tgt_vocab: CharVocab
    seed: int

    def split(self, name: str) -> DateExamples:
        """The split called "train", "val" or "test"."""
        if name not in ("train", "val", "test"):
            raise ValueError(f"name: expected 'train', 'val' or 'test', got {name!r}")
        return getattr(self, name)

    def encode(self, name: str) -> EncodedDates:
        """The split ``name`` as padded tensors (sources and targets end with <eos>)."""
        ex = self.split(name)
        src, src_len = self.src_vocab.encode(ex.source, eos=True)  # (N, S), (N,)
        tgt, _ = self.tgt_vocab.encode(ex.target, eos=True)  # (N, 11)
        return EncodedDates(torch.from_numpy(src), torch.from_numpy(src_len), torch.from_numpy(tgt))


def _examples(days: np.ndarray, n: int, styles: Sequence[Tuple[str, str]], rng: np.random.Generator) -> DateExamples:
    """n examples with distinct dates drawn from ``days`` and balanced, shuffled styles."""
    chosen = days[rng.choice(days.shape[0], size=n, replace=False)]  # (n,) distinct dates
    style = rng.permutation(np.arange(n) % len(styles)).astype(np.int64)  # (n,) balanced
    source: List[str] = [""] * n
    for k, st in enumerate(styles):  # one Babel call per example, grouped by style
        where = np.flatnonzero(style == k)
        for i, text in zip(where, format_dates(chosen[where], st)):
            source[i] = text
    return DateExamples(source=source, target=iso(chosen), style=style, date=chosen)


def load_dates(
    n_train: int = 20000,
    n_val: int = 1000,
    n_test: int = 2000,
    seed: int = 0,
    styles: Iterable[Tuple[str, str]] = STYLES,
) -> DatesData:
    """
    Generate the date-translation data set.

    Inputs:
    - n_train, n_val, n_test: Integer numbers of examples (each at most the
      number of dates in its split: 31 047, 1 826 and 3 652 for the default fractions)
    - seed: Non-negative integer; fixes the split and the examples
    - styles: Iterable of (locale, pattern) pairs; default :data:`STYLES`

    Returns:
    - data: :class:`DatesData`. No date value occurs in two splits.
    """
    seed = check_int("seed", seed, 0)
    styles = tuple(_check_style(s) for s in styles)
    if not styles:
        raise ValueError("styles: expected at least one (locale, pattern) pair")
    days = split_dates(seed)
    counts = {"train": n_train, "val": n_val, "test": n_test}
    parts = {}
    for k, name in enumerate(("test", "val", "train")):
        n = check_int(
            f"n_{name}", counts[name], 1, days[name].shape[0],
            detail="the dates of the split",
        )
        parts[name] = _examples(days[name], n, styles, np.random.default_rng([seed, k + 1]))
    return DatesData(
        train=parts["train"],
        val=parts["val"],
        test=parts["test"],
        styles=styles,
        src_vocab=CharVocab(source_alphabet(styles)),
        tgt_vocab=CharVocab(TARGET_ALPHABET),
        seed=seed,
    )
