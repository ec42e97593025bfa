"""A labelled data set of personal names and their language, built offline from Faker.

Source and licence
------------------
Faker (https://github.com/joke2k/faker, MIT licence) ships, for each locale,
a person provider ``faker.providers.person.<locale>.Provider`` whose class
attributes list the first names and last names it draws fake people from.
We read those lists directly (no ``Faker()`` object, no random generation,
no network): the data set is the union of the lists, labelled with the
locale's language. The lists differ between Faker versions; the course pins
Faker in ``constraints.txt``, so the data set is the same on every machine.

What a label means
------------------
The label is "this spelling is in the name list of Faker's <locale>", a
proxy for the language of origin. The German and Swedish lists, for example,
also contain names that are common in those countries today but come from
elsewhere (Arabic and Turkish first names, say). Names that appear in the
lists of two or more of the chosen locales (after folding, see below) carry
no single label and are removed from all of them; :class:`NamesData` reports
how many.

Folding
-------
By default every name is lower-cased and folded to ASCII: letters with
diacritics lose them (é -> e, ö -> o, ş -> s) and a few letters without a
Unicode decomposition are mapped by hand (ł -> l, ø -> o, ß -> ss, ı -> i,
đ -> d, æ -> ae, œ -> oe). The classifier must then recognise a language
from its letter patterns, not from a single telltale letter such as ł or ő.
Pass ``ascii_fold=False`` to keep the diacritics (lower-cased, NFC).
Names containing anything other than letters, space, hyphen and apostrophe
(initials such as "Hans D.") are dropped.

==============================  ===============================================
:data:`LANGUAGES`               locale -> language of the default 12 classes
:func:`fold_name`               one name -> its lower-cased (ASCII) form
:func:`locale_names`            the raw name list of one Faker locale
:func:`load_names`              -> :class:`NamesData` (names, labels, report)
:func:`stratified_split`        deterministic per-class train/validation/test indices
:func:`encode_names`            names -> lists of character ids (0 is padding)
==============================  ===============================================
"""

from __future__ import annotations

import importlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from rnn_helpers.argcheck import check_int

__all__ = [
    "LANGUAGES",
    "NAME_ATTRIBUTES",
    "ASCII_ALPHABET",
    "fold_name",
    "locale_names",
    "NamesData",
    "load_names",
    "stratified_split",
    "encode_names",
]

#: The default classes: Faker locale -> language. All are written in the
#: Latin alphabet, and their lists overlap little once shared names are removed.
LANGUAGES: Dict[str, str] = {
    "cs_CZ": "Czech",
    "de_DE": "German",
    "es_ES": "Spanish",
    "fi_FI": "Finnish",
    "fr_FR": "French",
    "hu_HU": "Hungarian",
    "it_IT": "Italian",
    "nl_NL": "Dutch",
    "pl_PL": "Polish",
    "pt_BR": "Portuguese",
    "sv_SE": "Swedish",
    "tr_TR": "Turkish",
}

#: Which Provider attributes hold the names. Most locales keep them in
#: ``first_names`` and ``last_names``; pl_PL's ``last_names`` is a placeholder
#: (``["Doe"]``) and its surnames live in two other attributes.
NAME_ATTRIBUTES: Dict[str, Tuple[str, ...]] = {
    "default": ("first_names", "last_names"),
    "pl_PL": ("first_names", "male_last_names", "unisex_last_names"),
}

#: The characters of ASCII-folded names; id 0 is kept for padding, so the
#: character ASCII_ALPHABET[i] gets id i + 1.
ASCII_ALPHABET = " '-abcdefghijklmnopqrstuvwxyz"

_EXTRA = " '-"
_NO_DECOMPOSITION = {"ł": "l", "ø": "o", "ß": "ss", "ı": "i", "đ": "d", "ð": "d",
                     "æ": "ae", "œ": "oe", "þ": "th", "ħ": "h", "ŀ": "l"}


def fold_name(name: str, ascii_fold: bool = True) -> str:
    """
    Lower-case a name and (by default) fold it to ASCII letters.

    Inputs:
    - name: String, e.g. "Łukasz" or "José-María"
    - ascii_fold: If True, remove diacritics (NFKD decomposition, combining
      marks dropped) and map ł, ø, ß, ı, đ, ð, æ, œ, þ, ħ, ŀ by hand; if
      False, only lower-case and normalise to NFC

    Returns:
    - folded: String, e.g. "lukasz" or "jose-maria" (surrounding spaces stripped)
    """
    if not isinstance(name, str):
        raise ValueError(f"name: expected a string, got {type(name).__name__}")
    s = name.strip().lower()
    if not ascii_fold:
        return unicodedata.normalize("NFC", s)
    s = "".join(_NO_DECOMPOSITION.get(c, c) for c in s)
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c))


def _valid(name: str, ascii_fold: bool) -> bool:
    if not name or not any(c.isalpha() for c in name):
        return False
    if ascii_fold:
        return all(c in ASCII_ALPHABET for c in name)
    return all(c.isalpha() or c in _EXTRA for c in name)


def locale_names(locale: str) -> Tuple[str, ...]:
    """
    The raw name list of one Faker locale, read from its person Provider.

    Inputs:
    - locale: String such as "de_DE" (a module of faker.providers.person)

    Returns:
    - names: Tuple of strings, the concatenation of the Provider attributes
      listed in :data:`NAME_ATTRIBUTES` (keys of weighted dictionaries), in
      Faker's order, duplicates included
    """
    if not isinstance(locale, str) or not locale:
        raise ValueError(f"locale: expected a Faker locale name such as 'de_DE', got {locale!r}")
    try:
        module = importlib.import_module(f"faker.providers.person.{locale}")
    except ModuleNotFoundError as exc:
        raise ValueError(f"locale: Faker has no person provider for {locale!r}") from exc
    provider = module.Provider
    names = []
    for attr in NAME_ATTRIBUTES.get(locale, NAME_ATTRIBUTES["default"]):
        values = getattr(provider, attr, None)
        if values is None:
            raise ValueError(f"locale: {locale}'s Provider has no attribute {attr!r}")
        names.extend(str(v) for v in values)  # a dict (weighted list) iterates over its keys
    return tuple(names)


@dataclass
class NamesData:
    """
    The labelled names and how they were obtained.

    Attributes:
    - names: Tuple of M strings (folded), sorted within each language
    - labels: Integer array of shape (M,), labels[i] indexes ``languages``
    - languages: Tuple of Q language names, e.g. ("Czech", "German", ...)
    - locales: Tuple of the Q Faker locales, in the same order
    - counts: Dict locale -> dict with the number of names ``raw`` in Faker's
      lists, ``invalid`` (characters outside the alphabet), ``duplicates``
      (repeats within the locale after folding), ``shared`` (removed because
      another chosen locale lists them too), ``capped`` (left out by
      ``max_per_language``) and ``kept``
    - n_shared: Number of distinct folded names that occur in two or more locales
    - ascii_fold: Whether the names were folded to ASCII
    - faker_version: The Faker version the lists came from
    """

    names: Tuple[str, ...]
    labels: np.ndarray
    languages: Tuple[str, ...]
    locales: Tuple[str, ...]
    counts: Dict[str, Dict[str, int]] = field(default_factory=dict)
    n_shared: int = 0
    ascii_fold: bool = True
    faker_version: str = ""

    def __len__(self) -> int:
        return len(self.names)


def load_names(
    locales: Optional[Sequence[str]] = None,
    *,
    ascii_fold: bool = True,
    max_per_language: Optional[int] = None,
    seed: int = 0,
) -> NamesData:
    """
    Build the labelled names data set from Faker's per-locale lists.

    Steps, per locale: read the lists (:func:`locale_names`); fold each name
    (:func:`fold_name`); drop names with other characters; drop repeats. Then
    remove every name that two or more locales list, and optionally keep a
    random subset of at most ``max_per_language`` names per locale (drawn
    with ``seed``). The result does not depend on Python's hash seed.

    Inputs:
    - locales: Sequence of Faker locales (default: the keys of :data:`LANGUAGES`);
      the language name is LANGUAGES[locale] when known, else the locale itself
    - ascii_fold: Fold names to ASCII (default) or keep diacritics
    - max_per_language: Optional integer >= 1, cap on the names per language
    - seed: Non-negative integer for the cap's random subset

    Returns:
    - data: NamesData with M names, labels of shape (M,) and the counts report
    """
    import faker

    if locales is None:
        locales = tuple(LANGUAGES)
    if isinstance(locales, str) or len(locales) < 2:
        raise ValueError(f"locales: expected a sequence of at least two Faker locales, got {locales!r}")
    locales = tuple(locales)
    if len(set(locales)) != len(locales):
        raise ValueError(f"locales: expected distinct locales, got {locales}")
    if max_per_language is not None:
        check_int("max_per_language", max_per_language, 1, detail="or None")
    seed = check_int("seed", seed, 0)

    counts: Dict[str, Dict[str, int]] = {}
    per_locale: Dict[str, list] = {}
    for loc in locales:
        raw = locale_names(loc)
        folded = [fold_name(n, ascii_fold) for n in raw]
        valid = [n for n in folded if _valid(n, ascii_fold)]
        unique = sorted(set(valid))
        counts[loc] = {"raw": len(raw), "invalid": len(raw) - len(valid),
                       "duplicates": len(valid) - len(unique)}
        per_locale[loc] = unique

    seen: Dict[str, int] = {}
    for names in per_locale.values():
        for n in names:
            seen[n] = seen.get(n, 0) + 1
    shared = {n for n, k in seen.items() if k > 1}

    rng = np.random.default_rng(seed)
    all_names, all_labels = [], []
    for q, loc in enumerate(locales):
        own = [n for n in per_locale[loc] if n not in shared]
        counts[loc]["shared"] = len(per_locale[loc]) - len(own)
        capped = 0
        if max_per_language is not None and len(own) > max_per_language:
            keep = np.sort(rng.permutation(len(own))[:max_per_language])
            capped = len(own) - max_per_language
            own = [own[i] for i in keep]
        counts[loc]["capped"] = capped
        counts[loc]["kept"] = len(own)
        all_names.extend(own)
        all_labels.extend([q] * len(own))

    return NamesData(
        names=tuple(all_names),
        labels=np.array(all_labels, dtype=np.int64),
        languages=tuple(LANGUAGES.get(loc, loc) for loc in locales),
        locales=locales,
        counts=counts,
        n_shared=len(shared),
        ascii_fold=ascii_fold,
        faker_version=faker.VERSION,
    )


def stratified_split(
    labels: Any,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> Tuple[np.ndarray, ...]:
    """
    Deterministic stratified split of example indices into K parts.

    Within each class the indices are shuffled with ``seed`` and cut in the
    given proportions (rounded; every part gets at least one example of every
    class that has at least K examples), so every part has about the same class mix.

    Inputs:
    - labels: Integer array of shape (M,), class of each example
    - fractions: Sequence of K >= 2 positive numbers summing to 1, e.g. (0.7, 0.15, 0.15)
    - seed: Non-negative integer

    Returns:
    - parts: Tuple of K sorted int64 index arrays; together they hold every
      index 0..M-1 exactly once
    """
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"labels: expected a non-empty 1-D array of shape (M,), got shape {y.shape}")
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels: expected integer class labels, got dtype {y.dtype}")
    f = np.asarray(fractions, dtype=np.float64)
    if f.ndim != 1 or f.size < 2 or np.any(f <= 0) or not np.isclose(f.sum(), 1.0):
        raise ValueError(f"fractions: expected K >= 2 positive numbers summing to 1, got {tuple(fractions)}")
    seed = check_int("seed", seed, 0)
    K = f.size
    rng = np.random.default_rng(seed)
    parts = [[] for _ in range(K)]
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        idx = idx[rng.permutation(idx.size)]
        n = idx.size
        sizes = np.floor(f * n).astype(int)
        if n >= K:
            sizes = np.maximum(sizes, 1)
        while sizes.sum() < n:  # give the remainder to the parts that are furthest below their share
            sizes[np.argmax(f * n - sizes)] += 1
        floor = 1 if n >= K else 0
        while sizes.sum() > n:  # take back from the parts furthest above their share, keeping the floor
            excess = np.where(sizes > floor, sizes - f * n, -np.inf)
            sizes[np.argmax(excess)] -= 1
        start = 0
        for k in range(K):
            parts[k].append(idx[start:start + sizes[k]])
            start += sizes[k]
    return tuple(np.sort(np.concatenate(p)).astype(np.int64) for p in parts)


def encode_names(names: Sequence[str], alphabet: str = ASCII_ALPHABET) -> list:
    """
    Turn names into sequences of character ids; id 0 is reserved for padding.

    Inputs:
    - names: Sequence of M non-empty strings whose characters are all in alphabet
    - alphabet: String of V distinct characters; alphabet[i] gets id i + 1

    Returns:
    - ids: List of M int64 arrays, ids[m] of shape (len(names[m]),), values in 1..V
    """
    if isinstance(alphabet, str) is False or len(set(alphabet)) != len(alphabet) or not alphabet:
        raise ValueError("alphabet: expected a non-empty string of distinct characters")
    if isinstance(names, str):
        raise ValueError("names: expected a sequence of strings, got a single string")
    table = {c: i + 1 for i, c in enumerate(alphabet)}
    out = []
    for m, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise ValueError(f"names[{m}]: expected a non-empty string, got {name!r}")
        try:
            out.append(np.array([table[c] for c in name], dtype=np.int64))
        except KeyError as exc:
            raise ValueError(f"names[{m}] = {name!r}: character {exc.args[0]!r} is not in the alphabet") from None
    return out
