"""Tests of rnn_helpers.data.corpus: the offline character corpus of chapter 7."""

import numpy as np
import pytest
import torch

from rnn_helpers.data.corpus import (
    CharCorpus,
    build_vocab,
    decode,
    deduplicate_paragraphs,
    encode,
    load_corpus,
    load_pydoc_text,
    normalise,
    random_windows,
    split_blocks,
    verbatim_overlap,
    window_batch_fn,
)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_pydoc_text_is_real_and_deterministic():
    raw = load_pydoc_text(dedup=False)
    text = load_pydoc_text()
    assert "The \"while\" statement" in raw
    assert len(raw) > 300_000 and len(text) > 250_000
    assert len(text) < len(raw)  # the topics repeat whole paragraphs
    assert text == load_pydoc_text()


def test_deduplicate_paragraphs():
    long_a = "a" * 50
    long_b = "b" * 50
    text = "\n\n".join([long_a, "Note:", long_b, "Note:", " " + long_a + " ", long_b])
    assert deduplicate_paragraphs(text) == "\n\n".join([long_a, "Note:", long_b, "Note:"])
    assert deduplicate_paragraphs(text, min_chars=100) == text
    with pytest.raises(ValueError, match="min_chars"):
        deduplicate_paragraphs(text, 0)
    with pytest.raises(ValueError, match="text"):
        deduplicate_paragraphs(b"bytes")


def test_normalise_maps_typography_to_ascii():
    assert normalise("\u201cquoted\u201d \u2018x\u2019 a\u2013b a\u2014b wait\u2026") == \
        "\"quoted\" 'x' a-b a--b wait..."
    assert normalise("caf\u00e9\tend") == "cafe    end"
    assert normalise("stra\u00dfe") == "stra?e"
    assert normalise("plain\n") == "plain\n"
    with pytest.raises(ValueError, match="text"):
        normalise(3)


def test_vocab_encode_decode_round_trip():
    vocab = build_vocab("hello world")
    assert vocab == (" ", "d", "e", "h", "l", "o", "r", "w")
    ids = encode("hello", vocab)
    assert ids.dtype == np.int64 and ids.tolist() == [3, 2, 4, 4, 5]
    assert decode(ids, vocab) == "hello"
    with pytest.raises(ValueError, match="vocabulary"):
        encode("hex", vocab)
    with pytest.raises(ValueError, match="ids"):
        decode(np.array([0, 99]), vocab)
    with pytest.raises(ValueError, match=r"ids: expected a 1-D integer array of shape \(L,\)"):
        decode(np.zeros((2, 2), dtype=int), vocab)
    with pytest.raises(ValueError, match="text"):
        build_vocab("")


def test_split_blocks_is_contiguous_disjoint_and_complete():
    ids = np.arange(1000)
    train, valid, test = split_blocks(ids, block_size=10, period=5)
    assert train.shape == (60, 10) and valid.shape == (20, 10) and test.shape == (20, 10)
    # every block is a contiguous stretch of the original sequence
    for part in (train, valid, test):
        assert np.all(np.diff(part, axis=1) == 1)
    # validation is the 4th block of every 5, test the 5th
    assert valid[0, 0] == 30 and test[0, 0] == 40 and valid[1, 0] == 80
    together = np.sort(np.concatenate([train, valid, test]).ravel())
    np.testing.assert_array_equal(together, ids)
    # the incomplete tail is dropped
    train2, _, _ = split_blocks(np.arange(1007), block_size=10, period=5)
    assert train2.max() < 1000


def test_split_blocks_validates():
    with pytest.raises(ValueError, match=r"ids: expected a 1-D integer array of shape \(L,\)"):
        split_blocks(np.zeros((3, 4), dtype=int))
    with pytest.raises(ValueError, match="ids"):
        split_blocks(np.linspace(0, 1, 100))
    with pytest.raises(ValueError, match="block_size"):
        split_blocks(np.arange(100), block_size=1)
    with pytest.raises(ValueError, match="period"):
        split_blocks(np.arange(100), block_size=10, period=2)
    with pytest.raises(ValueError, match="at least period"):
        split_blocks(np.arange(100), block_size=10, period=20)


def test_load_corpus(corpus):
    assert isinstance(corpus, CharCorpus)
    assert 80 <= corpus.V <= 100
    assert all(len(ch) == 1 and (ch == "\n" or 32 <= ord(ch) < 127) for ch in corpus.vocab)
    sizes = corpus.sizes()
    assert sizes["train"] > 10 * sizes["valid"] and sizes["valid"] == sizes["test"] > 10_000
    assert corpus.train.shape[1] == corpus.valid.shape[1] == 4096
    assert "Python Software Foundation" in corpus.source
    assert corpus.decode(corpus.encode("while x:")) == "while x:"


def test_no_long_verbatim_overlap_between_splits(corpus):
    k = 60
    train_grams = set()
    for row in corpus.train:
        s = corpus.decode(row)
        train_grams.update(s[i:i + k] for i in range(0, len(s) - k + 1))
    held = [corpus.decode(row) for row in np.concatenate([corpus.valid, corpus.test])]
    windows = [s[i:i + k] for s in held for i in range(0, len(s) - k + 1, 13)]
    overlap = np.mean([w in train_grams for w in windows])
    assert overlap < 0.03, overlap
    held = np.concatenate([corpus.valid, corpus.test])
    assert verbatim_overlap(corpus.train, held, k=k, stride=13) == pytest.approx(overlap)


def test_without_deduplication_the_splits_leak():
    raw = load_corpus(dedup=False)
    assert verbatim_overlap(raw.train, raw.valid, k=50) > 0.3


def test_verbatim_overlap_small():
    train = np.array([[0, 1, 2, 3, 4, 5]])
    held = np.array([[2, 3, 4, 9, 9, 9]])
    # windows of 3 at starts 0..3: (2,3,4) seen; (3,4,9), (4,9,9), (9,9,9) not
    assert verbatim_overlap(train, held, k=3, stride=1) == 0.25
    assert verbatim_overlap(train, held, k=1, stride=1) == 0.5
    with pytest.raises(ValueError, match="k"):
        verbatim_overlap(train, held, k=7)
    with pytest.raises(ValueError, match="stride"):
        verbatim_overlap(train, held, k=2, stride=0)
    with pytest.raises(ValueError, match=r"heldout: expected a 2-D integer array of shape \(B, L\)"):
        verbatim_overlap(train, held[0], k=2)


def test_random_windows_are_shifted_and_seeded(corpus):
    x, y = random_windows(corpus.train, 8, 50, np.random.default_rng(1))
    assert x.shape == y.shape == (8, 50) and x.dtype == np.int64
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    x2, _ = random_windows(corpus.train, 8, 50, np.random.default_rng(1))
    np.testing.assert_array_equal(x, x2)
    # every window is a stretch of one block
    text = {corpus.decode(row) for row in corpus.train}
    for row_x, row_y in zip(x, y):
        piece = corpus.decode(row_x) + corpus.decode(row_y[-1:])
        assert any(piece in block for block in text)


def test_windows_reach_the_end_of_a_block():
    blocks = np.arange(12).reshape(2, 6)
    rng = np.random.default_rng(0)
    starts = set()
    for _ in range(200):
        x, y = random_windows(blocks, 4, 3, rng)
        assert np.all(y - x == 1)
        starts.update((x[:, 0] % 6).tolist())
    assert starts == {0, 1, 2}  # window of 3 + 1 characters fits at 0, 1, 2


def test_random_windows_validate():
    blocks = np.zeros((2, 10), dtype=np.int64)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"blocks: expected a 2-D integer array of shape \(B, L\)"):
        random_windows(np.zeros(10, dtype=int), 2, 3, rng)
    with pytest.raises(ValueError, match="too short"):
        random_windows(blocks, 2, 10, rng)
    with pytest.raises(ValueError, match="N"):
        random_windows(blocks, 0, 3, rng)
    with pytest.raises(ValueError, match="T"):
        random_windows(blocks, 2, 0, rng)
    with pytest.raises(ValueError, match="rng"):
        random_windows(blocks, 2, 3, 0)


def test_window_batch_fn_gives_torch_tensors(corpus):
    fn = window_batch_fn(corpus.train, 4, 16)
    x, y = fn(0, np.random.default_rng(0))
    assert isinstance(x, torch.Tensor) and x.dtype == torch.int64 and tuple(y.shape) == (4, 16)


def test_verbatim_overlap_per_row():
    train = np.array([[0, 1, 2, 3, 4, 5]])
    held = np.array([[2, 3, 4, 9, 9, 9], [0, 1, 2, 3, 9, 9]])
    np.testing.assert_allclose(verbatim_overlap(train, held, k=3, stride=1, per_row=True), [0.25, 0.5])
    assert verbatim_overlap(train, held, k=3, stride=1) == 0.375


def test_stream_windows_partition_the_text_into_contiguous_streams():
    from rnn_helpers.data.corpus import stream_windows

    blocks = np.arange(2 * 50).reshape(2, 50)  # the text 0, 1, ..., 99
    x, y = stream_windows(blocks, N=3, k=4, offset=1)
    # 99 characters after the offset: streams of S = W k + 1 with W = (33 - 1) // 4 = 8
    assert x.shape == y.shape == (8, 3, 4) and x.dtype == np.int64
    S = 8 * 4 + 1
    for n in range(3):  # row n of the batches, joined, is stream n: contiguous text
        stream = np.concatenate([x[w, n] for w in range(8)])
        np.testing.assert_array_equal(stream, 1 + n * S + np.arange(S - 1))
        np.testing.assert_array_equal(np.concatenate([y[w, n] for w in range(8)]), stream + 1)
    # batch w + 1 continues batch w in every row
    np.testing.assert_array_equal(x[1:, :, 0], x[:-1, :, -1] + 1)


def test_stream_windows_validate():
    from rnn_helpers.data.corpus import stream_windows

    blocks = np.zeros((2, 10), dtype=np.int64)
    with pytest.raises(ValueError, match=r"blocks: expected a 2-D integer array of shape \(B, L\)"):
        stream_windows(blocks.ravel(), 2, 3)
    with pytest.raises(ValueError, match="blocks: expected"):
        stream_windows(blocks.astype(float), 2, 3)
    with pytest.raises(ValueError, match="N"):
        stream_windows(blocks, 0, 3)
    with pytest.raises(ValueError, match="k"):
        stream_windows(blocks, 2, 0)
    with pytest.raises(ValueError, match="offset"):
        stream_windows(blocks, 2, 3, offset=3)
    with pytest.raises(ValueError, match="too few"):
        stream_windows(blocks, 10, 3)


def test_stream_batch_fn_walks_the_streams_and_resets_each_epoch():
    from rnn_helpers.data.corpus import stream_batch_fn, stream_windows

    blocks = np.arange(3 * 40).reshape(3, 40)
    fn = stream_batch_fn(blocks, 2, 5)
    rng = np.random.default_rng(0)
    check = np.random.default_rng(0)
    batches = [fn(s, rng) for s in range(30)]
    flags = [r for _, _, r in batches]
    offset = int(check.integers(0, 5))
    x_ref, y_ref = stream_windows(blocks, 2, 5, offset)
    W = len(x_ref)
    assert flags[0] and not any(flags[1:W]) and flags[W]  # one reset per epoch
    for w in range(W):
        x, y, _ = batches[w]
        assert x.dtype == torch.int64 and x.shape == (2, 5)
        np.testing.assert_array_equal(x.numpy(), x_ref[w])
        np.testing.assert_array_equal(y.numpy(), y_ref[w])
    # the second epoch starts at a new offset drawn from the same rng
    x2, _ = stream_windows(blocks, 2, 5, int(check.integers(0, 5)))
    np.testing.assert_array_equal(batches[W][0].numpy(), x2[0])
    with pytest.raises(ValueError, match="k"):
        stream_batch_fn(blocks, 2, 0)
