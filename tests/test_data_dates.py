"""Tests of rnn_helpers.data.dates: the split, the styles, the vocabularies."""

import datetime

import numpy as np
import pytest
import torch

from rnn_helpers.data import dates as dd


@pytest.fixture(scope="module")
def small():
    return dd.load_dates(n_train=480, n_val=96, n_test=144, seed=3)


def test_split_is_a_partition_of_the_range():
    days = dd.all_dates()
    assert days.shape == (36525,)
    assert days[0] == np.datetime64("1950-01-01") and days[-1] == np.datetime64("2049-12-31")
    sp = dd.split_dates(seed=0)
    assert {k: len(v) for k, v in sp.items()} == {"test": 3652, "val": 1826, "train": 31047}
    merged = np.sort(np.concatenate([sp["train"], sp["val"], sp["test"]]))
    assert np.array_equal(merged, days)  # every day exactly once
    assert not np.intersect1d(sp["train"], sp["test"]).size
    again = dd.split_dates(seed=0)
    assert all(np.array_equal(sp[k], again[k]) for k in sp)
    other = dd.split_dates(seed=1)
    assert not np.array_equal(sp["test"], other["test"])


def test_no_date_shared_between_splits(small):
    tr, va, te = set(small.train.date.tolist()), set(small.val.date.tolist()), set(small.test.date.tolist())
    assert not (tr & te) and not (tr & va) and not (va & te)
    for ex in (small.train, small.val, small.test):
        assert len(set(ex.date.tolist())) == len(ex)  # distinct within a split
        assert ex.target == [str(d) for d in ex.date]


def test_examples_match_babel_and_styles_are_balanced(small):
    from babel.dates import format_date

    ex = small.train
    counts = np.bincount(ex.style, minlength=len(dd.STYLES))
    assert counts.min() == counts.max() == 480 // len(dd.STYLES)
    for i in range(0, len(ex), 37):
        locale, pattern = small.styles[ex.style[i]]
        d = ex.date[i].astype(object)
        assert isinstance(d, datetime.date)
        assert ex.source[i] == format_date(d, pattern, locale=locale).replace("\u00a0", " ").replace("\u202f", " ")
        assert ex.target[i] == d.isoformat()


def test_deterministic(small):
    again = dd.load_dates(n_train=480, n_val=96, n_test=144, seed=3)
    assert again.train.source == small.train.source and again.test.target == small.test.target
    assert np.array_equal(again.test.style, small.test.style)


def test_every_source_string_has_one_translation():
    """The task is a function: no string is written for two different dates."""
    numeric = [s for s in dd.STYLES if s[1] in ("short",) or s == ("de_DE", "medium")]
    days = dd.all_dates()
    seen = {}
    for style in numeric:  # every day of the range for the styles made of digits only
        for text, d in zip(dd.format_dates(days, style), days):
            assert seen.setdefault(text, d) == d, (text, style)
    wordy = [s for s in dd.STYLES if s not in numeric]
    two_years = np.concatenate([np.arange(np.datetime64(f"{y}-01-01"), np.datetime64(f"{y + 1}-01-01"))
                                for y in (1987, 2000)])
    for style in wordy:  # every month and day name; years are written out in full
        for text, d in zip(dd.format_dates(two_years, style), two_years):
            assert any(ch.isalpha() for ch in text), style
            assert seen.setdefault(text, d) == d, (text, style)


def test_excluded_short_styles_would_be_ambiguous():
    d1, d2 = np.array(["1987-03-09"], "datetime64[D]"), np.array(["1987-09-03"], "datetime64[D]")
    assert dd.format_dates(d1, ("en_US", "short")) == dd.format_dates(d2, ("es_ES", "short"))
    d3, d4 = np.array(["1987-10-11"], "datetime64[D]"), np.array(["1987-11-10"], "datetime64[D]")
    assert dd.format_dates(d3, ("en_US", "short")) == dd.format_dates(d4, ("it_IT", "short"))


def test_two_digit_years_use_the_1950_2049_window():
    d = np.array(["1950-01-02", "2049-12-31"], "datetime64[D]")
    assert dd.format_dates(d, ("en_US", "short")) == ["1/2/50", "12/31/49"]


def test_vocab_roundtrip_and_specials(small):
    v = small.src_vocab
    assert v.tokens[:3] == (dd.PAD, dd.SOS, dd.EOS) and (dd.PAD_ID, dd.SOS_ID, dd.EOS_ID) == (0, 1, 2)
    texts = small.test.source[:20]
    ids, lengths = v.encode(texts, sos=True, eos=True)
    assert ids.shape == (20, max(len(t) for t in texts) + 2) and ids.dtype == np.int64
    assert np.array_equal(lengths, [len(t) + 2 for t in texts])
    assert np.all(ids[:, 0] == dd.SOS_ID)
    assert np.all(ids[np.arange(20), lengths - 1] == dd.EOS_ID)
    assert np.all((ids == dd.PAD_ID) == (np.arange(ids.shape[1])[None] >= lengths[:, None]))
    assert v.decode(ids) == texts
    assert v.decode(torch.from_numpy(ids)) == texts
    assert set("".join(small.train.source + small.test.source)) <= set(v.tokens[3:])
    assert small.tgt_vocab.tokens[3:] == tuple(dd.TARGET_ALPHABET)


def test_encode_splits(small):
    enc = small.encode("test")
    assert enc.src.dtype == torch.long and enc.tgt.shape == (144, 11)
    assert torch.all(enc.tgt[:, -1] == dd.EOS_ID)
    assert small.tgt_vocab.decode(enc.tgt) == small.test.target
    assert small.src_vocab.decode(enc.src) == small.test.source
    sub = enc.subset(np.array([3, 0, 7]))
    assert sub.src.shape[1] == int(enc.src_len[[3, 0, 7]].max())
    assert torch.equal(sub.tgt, enc.tgt[[3, 0, 7]])


def test_input_validation():
    v = dd.CharVocab("abc")
    with pytest.raises(ValueError, match="texts"):
        v.encode(["abd"])
    with pytest.raises(ValueError, match="texts"):
        v.encode("abc")
    with pytest.raises(ValueError, match="alphabet"):
        dd.CharVocab("aa")
    with pytest.raises(ValueError, match=r"ids: expected an integer array of shape \(N, L\)"):
        v.decode(np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="ids"):
        v.decode(np.array([[99]]))
    with pytest.raises(ValueError, match="n_test"):
        dd.load_dates(n_train=10, n_val=10, n_test=10**6)
    with pytest.raises(ValueError, match="seed"):
        dd.load_dates(n_train=10, n_val=10, n_test=10, seed=-1)
    with pytest.raises(ValueError, match="style"):
        dd.format_dates(np.array(["2000-01-01"], "datetime64[D]"), "en_US")
    with pytest.raises(ValueError, match=r"dates: expected a 1-D array of shape \(N,\)"):
        dd.format_dates(np.array([["2000-01-01"]], "datetime64[D]"), ("en_US", "long"))
    with pytest.raises(ValueError, match="val_fraction"):
        dd.split_dates(val_fraction=0.0)
    with pytest.raises(ValueError, match="name"):
        dd.load_dates(10, 10, 10).split("dev")
