"""rnn_helpers.data.names: Faker's name lists as a labelled, deterministic data set."""

import importlib
import subprocess
import sys

import numpy as np
import pytest

from rnn_helpers.data.names import (
    ASCII_ALPHABET,
    LANGUAGES,
    encode_names,
    fold_name,
    load_names,
    locale_names,
    stratified_split,
)


@pytest.fixture(scope="module")
def data():
    return load_names()


@pytest.mark.parametrize("raw, folded", [
    ("Łukasz", "lukasz"), ("José-María", "jose-maria"), ("Øystein", "oystein"), ("Strauß", "strauss"),
    ("Işık", "isik"), ("Đorđe", "dorde"), ("Ærø", "aero"), ("Ó Súilleabháin", "o suilleabhain"),
    ("  Müller ", "muller"), ("Ōtomo", "otomo"),
])
def test_fold_name(raw, folded):
    assert fold_name(raw) == folded


def test_fold_name_without_ascii_keeps_diacritics():
    assert fold_name("Łukasz", ascii_fold=False) == "łukasz"
    assert fold_name("Jose\u0301", ascii_fold=False) == "jos\u00e9"  # NFC
    with pytest.raises(ValueError, match="name: expected a string"):
        fold_name(3)


def test_locale_names_reads_the_provider_attributes_directly():
    provider = importlib.import_module("faker.providers.person.fr_FR").Provider
    names = locale_names("fr_FR")
    assert names == tuple(provider.first_names) + tuple(provider.last_names)
    assert "Doe" not in locale_names("pl_PL")  # pl_PL.last_names is a placeholder; its surnames are elsewhere
    fi = locale_names("fi_FI")  # weighted OrderedDicts give their keys
    assert set(importlib.import_module("faker.providers.person.fi_FI").Provider.last_names) <= set(fi)
    with pytest.raises(ValueError, match="locale: Faker has no person provider"):
        locale_names("xx_XX")


def test_load_names_labels_and_report(data):
    assert data.languages == tuple(LANGUAGES.values()) and data.locales == tuple(LANGUAGES)
    assert len(data.names) == len(data.labels) == len(data) > 10_000
    assert data.labels.dtype == np.int64 and set(np.unique(data.labels)) == set(range(len(LANGUAGES)))
    assert all(set(n) <= set(ASCII_ALPHABET) for n in data.names)
    assert len(set(data.names)) == len(data.names)  # no name carries two labels
    for q, loc in enumerate(data.locales):
        c = data.counts[loc]
        assert c["raw"] == len(locale_names(loc))
        assert c["raw"] - c["invalid"] - c["duplicates"] - c["shared"] - c["capped"] == c["kept"]
        assert c["kept"] == int(np.sum(data.labels == q))
    # the removed shared names really are in two or more of the folded lists
    folded = {loc: {fold_name(n) for n in locale_names(loc)} for loc in data.locales}
    counts = {}
    for s in folded.values():
        for n in s:
            counts[n] = counts.get(n, 0) + 1
    shared = {n for n, k in counts.items() if k > 1 and set(n) <= set(ASCII_ALPHABET)}
    assert len(shared) == data.n_shared > 0
    assert not shared & set(data.names)
    assert data.faker_version


def test_load_names_is_deterministic_across_hash_seeds():
    code = ("from rnn_helpers.data.names import load_names; import hashlib; d = load_names(max_per_language=300);"
            "print(hashlib.sha256(('|'.join(d.names) + str(d.labels.tolist())).encode()).hexdigest())")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1


def test_cap_and_unfolded_variant():
    capped = load_names(max_per_language=200, seed=3)
    assert np.bincount(capped.labels).max() == 200
    assert sum(c["capped"] for c in capped.counts.values()) > 0
    raw = load_names(["pl_PL", "hu_HU"], ascii_fold=False)
    assert raw.languages == ("Polish", "Hungarian") and not raw.ascii_fold
    assert any("ł" in n for n in raw.names) and any("ő" in n for n in raw.names)


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(locales=["de_DE"]), "at least two"),
    (dict(locales="de_DE"), "at least two"),
    (dict(locales=["de_DE", "de_DE"]), "distinct"),
    (dict(max_per_language=0), "max_per_language"),
    (dict(seed=-1), "seed"),
])
def test_load_names_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError) as info:
        load_names(**kwargs)
    assert fragment in str(info.value)


def test_stratified_split_partitions_and_keeps_class_mix():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(5), [100, 40, 7, 3, 250])
    y = y[rng.permutation(y.size)]
    parts = stratified_split(y, (0.7, 0.15, 0.15), seed=1)
    assert len(parts) == 3
    allidx = np.concatenate(parts)
    np.testing.assert_array_equal(np.sort(allidx), np.arange(y.size))
    for p in parts:
        assert np.all(np.diff(p) > 0)
        assert set(np.unique(y[p])) == set(range(5))  # every class in every part (all have >= 3)
    for c, n in zip(range(5), [100, 40, 7, 3, 250]):
        if n >= 20:  # tiny classes give one example to each part first
            assert abs(np.sum(y[parts[0]] == c) - 0.7 * n) <= 1
    again = stratified_split(y, (0.7, 0.15, 0.15), seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))
    other = stratified_split(y, (0.7, 0.15, 0.15), seed=2)
    assert not np.array_equal(parts[2], other[2])


@pytest.mark.parametrize("labels, fractions, fragment", [
    (np.array([]), (0.5, 0.5), "non-empty"),
    (np.array([[0, 1]]), (0.5, 0.5), "1-D"),
    (np.array([0.0, 1.0]), (0.5, 0.5), "integer class labels"),
    (np.array([0, 1]), (0.5, 0.6), "summing to 1"),
    (np.array([0, 1]), (1.0,), "K >= 2"),
])
def test_stratified_split_rejects_bad_arguments(labels, fractions, fragment):
    with pytest.raises(ValueError) as info:
        stratified_split(labels, fractions)
    assert fragment in str(info.value)


def test_encode_names():
    ids = encode_names(["ab", "z-a"])
    np.testing.assert_array_equal(ids[0], [ASCII_ALPHABET.index("a") + 1, ASCII_ALPHABET.index("b") + 1])
    assert ids[1].dtype == np.int64 and ids[1].min() >= 1
    assert len(ASCII_ALPHABET) == 29 and 0 not in np.concatenate(ids)
    with pytest.raises(ValueError, match="character 'é' is not in the alphabet"):
        encode_names(["josé"])
    with pytest.raises(ValueError, match=r"names\[1\]: expected a non-empty string"):
        encode_names(["a", ""])
    with pytest.raises(ValueError, match="single string"):
        encode_names("abc")
