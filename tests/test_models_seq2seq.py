"""Tests of rnn_helpers.models.seq2seq: shapes, masking, attention, decoding, metrics, a tiny overfit."""

import numpy as np
import pytest
import torch

from rnn_helpers.numpy_rnn.losses import cross_entropy
from rnn_helpers.models.seq2seq import (
    EOS_ID,
    PAD_ID,
    SOS_ID,
    Seq2Seq,
    additive_attention,
    char_accuracy,
    exact_match,
    sequence_loss,
    teacher_forcing_inputs,
    truncate_at_eos,
)
from rnn_helpers.models.training import train

V_SRC, V_TGT = 12, 9


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: one thread is fastest (and not slowed down by a busy machine)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def random_batch(N=5, S=8, T=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    src_len = torch.randint(2, S + 1, (N,), generator=g)
    src_len[0] = S
    src = torch.randint(3, V_SRC, (N, S), generator=g)
    src[torch.arange(S)[None] >= src_len[:, None]] = PAD_ID
    src[torch.arange(N), src_len - 1] = EOS_ID
    tgt = torch.randint(3, V_TGT, (N, T), generator=g)
    tgt_len = torch.randint(1, T + 1, (N,), generator=g)
    tgt[torch.arange(T)[None] >= tgt_len[:, None]] = PAD_ID
    tgt[torch.arange(N), tgt_len - 1] = EOS_ID
    return src, src_len, tgt


def model(attention, seed=0, dtype=torch.float32):
    torch.manual_seed(seed)
    return Seq2Seq(V_SRC, V_TGT, emb_size=6, enc_hidden=5, dec_hidden=7, attention=attention).to(dtype).eval()


# --- teacher forcing ----------------------------------------------------------


def test_teacher_forcing_inputs_shift_right():
    tgt = torch.tensor([[5, 6, EOS_ID], [7, EOS_ID, PAD_ID]])
    assert teacher_forcing_inputs(tgt).tolist() == [[SOS_ID, 5, 6], [SOS_ID, 7, EOS_ID]]
    assert teacher_forcing_inputs(tgt.numpy()).tolist() == [[SOS_ID, 5, 6], [SOS_ID, 7, EOS_ID]]
    with pytest.raises(ValueError, match=r"tgt: expected shape \(N, T\)"):
        teacher_forcing_inputs(torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="tgt: expected integer ids"):
        teacher_forcing_inputs(torch.zeros(2, 3))


# --- additive attention -------------------------------------------------------


def numpy_attention(s, keys, values, W_a, v, mask):
    e = np.tanh((s @ W_a.T)[:, None, :] + keys) @ v  # (N, S)
    e = np.where(mask, e, -np.inf)
    w = np.exp(e - e.max(axis=1, keepdims=True))
    w = w / w.sum(axis=1, keepdims=True)
    return e, w, np.einsum("ns,nsc->nc", w, values)


def test_additive_attention_matches_numpy_and_sums_to_one():
    rng = np.random.default_rng(0)
    N, S, Hd, A, C = 3, 6, 4, 5, 7
    s, keys, values = rng.standard_normal((N, Hd)), rng.standard_normal((N, S, A)), rng.standard_normal((N, S, C))
    W_a, v = rng.standard_normal((A, Hd)), rng.standard_normal(A)
    mask = np.arange(S)[None] < np.array([6, 2, 4])[:, None]
    e, w, c = numpy_attention(s, keys, values, W_a, v, mask)
    T = torch.from_numpy
    e_t, w_t, c_t = additive_attention(T(s), T(keys), T(values), T(W_a), T(v), T(mask))
    assert np.allclose(e_t.numpy(), e) and np.allclose(w_t.numpy(), w, atol=1e-14) and np.allclose(c_t.numpy(), c)
    assert torch.allclose(w_t.sum(dim=1), torch.ones(N, dtype=torch.float64))
    assert torch.all(w_t[~T(mask)] == 0)


def test_additive_attention_validates_shapes():
    q, k, val = torch.zeros(2, 3), torch.zeros(2, 4, 5), torch.zeros(2, 4, 6)
    W, v = torch.zeros(5, 3), torch.zeros(5)
    with pytest.raises(ValueError, match=r"query: expected shape \(N, Hd\)"):
        additive_attention(torch.zeros(3), k, val, W, v)
    with pytest.raises(ValueError, match=r"keys: expected shape \(N, S, A\)"):
        additive_attention(q, torch.zeros(3, 4, 5), val, W, v)
    with pytest.raises(ValueError, match=r"values: expected shape \(N, S, C\)"):
        additive_attention(q, k, torch.zeros(2, 3, 6), W, v)
    with pytest.raises(ValueError, match=r"W_a: expected shape \(A, Hd\)"):
        additive_attention(q, k, val, W.T, v)
    with pytest.raises(ValueError, match=r"v: expected shape \(A,\)"):
        additive_attention(q, k, val, W, torch.zeros(4))
    with pytest.raises(ValueError, match=r"mask: expected a boolean tensor of shape \(N, S\)"):
        additive_attention(q, k, val, W, v, torch.ones(2, 4))


# --- the model ----------------------------------------------------------------


@pytest.mark.parametrize("attention", [False, True])
def test_shapes_and_attention_weights(attention):
    m = model(attention)
    src, src_len, tgt = random_batch()
    logits, attn = m(src, src_len, teacher_forcing_inputs(tgt))
    assert logits.shape == (5, 6, V_TGT)
    if attention:
        assert attn.shape == (5, 6, 8)
        assert torch.allclose(attn.sum(dim=-1), torch.ones(5, 6), atol=1e-6)
        pad = torch.arange(8)[None] >= src_len[:, None]  # (N, S)
        assert torch.all(attn[pad[:, None, :].expand(-1, 6, -1)] == 0)
    else:
        assert attn is None


@pytest.mark.parametrize("attention", [False, True])
def test_padding_does_not_change_the_result(attention):
    """Each example gives the same logits alone as inside a batch padded to a longer source."""
    m = model(attention, dtype=torch.float64)
    src, src_len, tgt = random_batch(N=4, S=9, seed=1)
    dec_in = teacher_forcing_inputs(tgt)
    with torch.no_grad():
        batch_logits, batch_attn = m(src, src_len, dec_in)
        for n in range(4):
            L = int(src_len[n])
            alone, alone_attn = m(src[n:n + 1, :L], src_len[n:n + 1], dec_in[n:n + 1])
            assert torch.allclose(alone[0], batch_logits[n], atol=1e-12)
            if attention:
                assert torch.allclose(alone_attn[0], batch_attn[n, :, :L], atol=1e-12)
    # and changing the ids at padded positions changes nothing
    src2 = src.clone()
    src2[torch.arange(9)[None] >= src_len[:, None]] = 5
    with torch.no_grad():
        assert torch.allclose(m(src2, src_len, dec_in)[0], batch_logits, atol=1e-12)


@pytest.mark.parametrize("attention", [False, True])
def test_teacher_forced_forward_equals_step_by_step(attention):
    m = model(attention, dtype=torch.float64)
    src, src_len, tgt = random_batch(seed=2)
    dec_in = teacher_forcing_inputs(tgt)
    with torch.no_grad():
        logits, _ = m(src, src_len, dec_in)
        memory = m.encode(src, src_len)
        s = m.init_state(memory)
        for t in range(dec_in.shape[1]):
            step_logits, s, _ = m.step(dec_in[:, t], s, memory)
            assert torch.allclose(step_logits, logits[:, t], atol=1e-12)


@pytest.mark.parametrize("attention", [False, True])
def test_greedy_decoding_equals_one_example_at_a_time(attention):
    m = model(attention, seed=4, dtype=torch.float64)
    src, src_len, _ = random_batch(N=6, seed=3)
    pred, attn = m.greedy_decode(src, src_len, max_len=7)
    assert pred.shape[0] == 6 and pred.shape[1] <= 7
    with torch.no_grad():
        for n in range(6):
            L = int(src_len[n])
            memory = m.encode(src[n:n + 1, :L], src_len[n:n + 1])
            s, y, tokens = m.init_state(memory), torch.tensor([SOS_ID]), []
            for _ in range(7):
                logits, s, alpha = m.step(y, s, memory)
                y = logits.argmax(dim=1)
                tokens.append(int(y))
                if tokens[-1] == EOS_ID:
                    break
            row = pred[n].tolist()
            assert row[:len(tokens)] == tokens
            assert all(t == PAD_ID for t in row[len(tokens):])
    # fed its own output, the teacher-forced model agrees with the greedy choice at every step
    with torch.no_grad():
        logits, _ = m(src, src_len, teacher_forcing_inputs(pred))
    real = truncate_at_eos(pred) != PAD_ID
    assert torch.equal(logits.argmax(-1)[real], pred[real])
    if attention:
        assert attn.shape == (6, pred.shape[1], src.shape[1])


def test_greedy_decoding_stops_when_all_rows_end():
    m = model(False)
    with torch.no_grad():
        m.out.bias.fill_(-100.0)
        m.out.bias[EOS_ID] = 100.0  # always predicts <eos>
    src, src_len, _ = random_batch()
    pred, attn = m.greedy_decode(src, src_len, max_len=9)
    assert pred.shape == (5, 1) and torch.all(pred == EOS_ID) and attn is None


def test_sequence_loss_ignores_padding():
    src, src_len, tgt = random_batch(seed=5)
    logits = torch.randn(5, 6, V_TGT, dtype=torch.float64)
    mask = (tgt != PAD_ID).numpy()
    expected = cross_entropy(logits.numpy(), tgt.numpy(), mask)
    assert abs(float(sequence_loss(logits, tgt)) - expected) < 1e-12
    with pytest.raises(ValueError, match=r"logits: expected shape \(N, T, V\)"):
        sequence_loss(logits[:, :4], tgt)


def test_metrics_against_python():
    rng = np.random.default_rng(0)
    pred = rng.integers(0, 6, size=(200, 5))
    pred[rng.random(200) < 0.5] = rng.integers(3, 6, size=5)  # some rows without <eos>
    tgt = rng.integers(3, 6, size=(200, 4))
    tgt_len = rng.integers(1, 5, size=200)
    for n in range(200):
        tgt[n, tgt_len[n] - 1] = EOS_ID
        tgt[n, tgt_len[n]:] = PAD_ID
    pred[:40, :4] = tgt[:40]  # some exact hits, with junk after their <eos>

    def upto_eos(row):
        row = list(row)
        return row[: row.index(EOS_ID) + 1] if EOS_ID in row else row

    em = np.mean([upto_eos(p) == upto_eos(t) for p, t in zip(pred, tgt)])
    hits = total = 0
    for p, t in zip(pred, tgt):
        p, t = upto_eos(p), upto_eos(t)
        total += len(t)
        hits += sum(a == b for a, b in zip(p, t))
    assert exact_match(pred, tgt) == pytest.approx(em) and em > 0.15
    assert char_accuracy(pred, tgt) == pytest.approx(hits / total)
    assert exact_match(torch.from_numpy(tgt), tgt) == 1.0 and char_accuracy(tgt, tgt) == 1.0
    assert truncate_at_eos(torch.tensor([[4, EOS_ID, 5, EOS_ID]])).tolist() == [[4, EOS_ID, PAD_ID, PAD_ID]]
    with pytest.raises(ValueError, match="pred"):
        exact_match(pred[:3], tgt)


def test_input_validation():
    with pytest.raises(ValueError, match="src_vocab"):
        Seq2Seq(0, 5)
    with pytest.raises(ValueError, match="dec_hidden"):
        Seq2Seq(5, 5, dec_hidden=2.5)
    m = model(True)
    src, src_len, tgt = random_batch()
    with pytest.raises(ValueError, match=r"src: expected shape \(N, T\)"):
        m(src[0], src_len, tgt)
    with pytest.raises(ValueError, match="src: expected integer ids"):
        m(src.float(), src_len, tgt)
    with pytest.raises(ValueError, match=r"src_len: expected shape \(N,\)"):
        m(src, src_len[:2], tgt)
    with pytest.raises(ValueError, match=r"src_len: every length must be in \[1, S\]"):
        m(src, src_len + 5, tgt)
    with pytest.raises(ValueError, match=r"dec_in: expected shape \(N, T\) with N = 5"):
        m(src, src_len, tgt[:2])
    with pytest.raises(ValueError, match="max_len"):
        m.greedy_decode(src, src_len, max_len=0)


@pytest.mark.parametrize("attention", [False, True])
def test_tiny_overfit(attention):
    """Memorise 8 reversed sequences: loss near zero and every greedy output exact."""
    g = torch.Generator().manual_seed(0)
    src_len = torch.randint(3, 7, (8,), generator=g)
    body = torch.randint(3, V_TGT, (8, 6), generator=g)
    src = torch.full((8, 7), PAD_ID)
    tgt = torch.full((8, 7), PAD_ID)
    for n in range(8):
        L = int(src_len[n]) - 1
        src[n, :L], src[n, L] = body[n, :L], EOS_ID
        tgt[n, :L], tgt[n, L] = body[n, :L].flip(0), EOS_ID
    torch.manual_seed(0)
    m = Seq2Seq(V_SRC, V_TGT, emb_size=8, enc_hidden=16, dec_hidden=32, attention=attention)

    def loss_fn(mod, _):
        return sequence_loss(mod(src, src_len, teacher_forcing_inputs(tgt))[0], tgt)

    res = train(m, lambda step, rng: None, loss_fn, max_steps=400, max_seconds=60, lr=1e-2,
                clip_norm=1.0, target_loss=0.01)
    pred, _ = m.greedy_decode(src, src_len, max_len=8)
    assert res.final_loss < 0.05
    assert exact_match(pred, tgt) == 1.0
