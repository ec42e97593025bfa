"""A small GRU encoder-decoder, with or without additive (Bahdanau) attention.

The model reads a source sequence x_1..x_S and writes a target y_1..y_T one
token at a time, modelling

    p(y | x) = prod_t p(y_t | y_<t, x).

- :class:`Encoder`: an embedding and a bidirectional GRU run on the packed
  (unpadded) sources. Its outputs h_s = [h_s^fwd; h_s^bwd] (N, S, 2He) are the
  *annotations*; its final states [h_S^fwd; h_1^bwd] (N, 2He) summarise the whole source.
- :class:`Seq2Seq`: a GRU decoder with state s_t (N, Hd), started at
  s_0 = tanh(W_init [h_S^fwd; h_1^bwd] + b_init). At step t it reads the
  embedding of the previous token y_{t-1} and a context vector c_t,

      s_t = GRU(s_{t-1}, [emb(y_{t-1}); c_t]),   logits_t = W_out [s_t; c_t] + b_out.

  Without attention c_t = c is the encoder's final state at every step (the
  context vector of Cho et al. 2014). With ``attention=True`` it is the
  additive attention of Bahdanau, Cho & Bengio (2015):

      e_{t,s} = v^T tanh(W_a s_{t-1} + U_a h_s),   alpha_{t,s} = softmax_s(e_{t,s}),
      c_t = sum_s alpha_{t,s} h_s,

  with padded source positions masked out of the softmax. U_a h_s does not
  depend on t, so it is computed once per batch (:attr:`Memory.keys`).

Training uses **teacher forcing**: the decoder's input at step t is the true
previous token (:func:`teacher_forcing_inputs`), so all T steps can be
scored in one call of :meth:`Seq2Seq.forward`. At test time
:meth:`Seq2Seq.greedy_decode` feeds back its own argmax, vectorised over the
batch, until every row has written <eos> or ``max_len`` tokens.

=================================  ==============================================
:func:`teacher_forcing_inputs`     targets (N, T) -> decoder inputs <sos> y_1..y_{T-1}
:func:`additive_attention`         scores, weights (N, S) and context (N, C), masked
:func:`sequence_loss`              mean cross-entropy over the real target tokens
:func:`exact_match`                fraction of rows equal to the target up to <eos>
:func:`char_accuracy`              fraction of real target positions predicted right
:func:`truncate_at_eos`            everything after a row's first <eos> -> <pad>
=================================  ==============================================

Example::

    model = Seq2Seq(len(src_vocab), len(tgt_vocab), attention=True)
    logits, attn = model(src, src_len, teacher_forcing_inputs(tgt))   # (N, T, V), (N, T, S)
    loss = sequence_loss(logits, tgt)
    pred, attn = model.greedy_decode(src, src_len, max_len=11)         # (N, L), (N, L, S)
    exact_match(pred, tgt)

Why one module of over 400 lines: the encoder, the attention, the decoder
and the decoding loops share one memory layout (Memory) and one set of
special token ids; splitting them would scatter one model over several
files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnn_helpers.argcheck import check_int
from rnn_helpers.data.padding import run_packed

__all__ = [
    "PAD_ID",
    "SOS_ID",
    "EOS_ID",
    "teacher_forcing_inputs",
    "additive_attention",
    "Encoder",
    "Memory",
    "Seq2Seq",
    "sequence_loss",
    "truncate_at_eos",
    "exact_match",
    "char_accuracy",
]

#: special token ids (the convention of rnn_helpers.data.dates.CharVocab)
PAD_ID, SOS_ID, EOS_ID = 0, 1, 2


# ----------------------------------------------------------------------------
# input checks
# ----------------------------------------------------------------------------


def _ids_tensor(x: Any, name: str, ndim: int = 2) -> torch.Tensor:
    """An int64 tensor of ``ndim`` dimensions from a tensor or array of integer ids."""
    if not isinstance(x, torch.Tensor):
        arr = np.asarray(x)
        if not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"{name}: expected integer ids, got dtype {arr.dtype}")
        x = torch.from_numpy(arr.astype(np.int64))
    if x.dtype.is_floating_point or x.dtype == torch.bool or x.is_complex():
        raise ValueError(f"{name}: expected integer ids, got dtype {x.dtype}")
    shape = "(N, T)" if ndim == 2 else "(N,)"
    if x.ndim != ndim:
        raise ValueError(f"{name}: expected shape {shape}, got {tuple(x.shape)}")
    return x.long()


def _lengths_tensor(lengths: Any, N: int, S: int) -> torch.Tensor:
    lengths = _ids_tensor(lengths, "src_len", ndim=1)
    if lengths.shape[0] != N:
        raise ValueError(f"src_len: expected shape (N,) = ({N},), got {tuple(lengths.shape)}")
    if N and (int(lengths.min()) < 1 or int(lengths.max()) > S):
        raise ValueError(f"src_len: every length must be in [1, S] = [1, {S}]")
    return lengths


# ----------------------------------------------------------------------------
# teacher forcing and attention as plain functions
# ----------------------------------------------------------------------------


def teacher_forcing_inputs(tgt: Any, sos_id: int = SOS_ID) -> torch.Tensor:
    """
    The decoder's inputs under teacher forcing: the targets shifted right by one.

    Row n of ``tgt`` is y_1 .. y_L <eos> <pad> ...; the decoder must predict
    y_t from y_<t, so its input at step t is y_{t-1}, with <sos> standing for
    y_0. The last column is dropped (it is <eos> or <pad>, never an input that
    has something after it to predict).

    Inputs:
    - tgt: Integer tensor or array of shape (N, T)
    - sos_id: Integer id of <sos>

    Returns:
    - dec_in: int64 tensor of shape (N, T): [sos, tgt[:, 0], ..., tgt[:, T-2]]
    """
    tgt = _ids_tensor(tgt, "tgt")
    sos = torch.full((tgt.shape[0], 1), int(sos_id), dtype=torch.long)  # (N, 1)
    return torch.cat([sos, tgt[:, :-1]], dim=1)  # (N, T)


def additive_attention(
    query: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    W_a: torch.Tensor,
    v: torch.Tensor,
    mask: Optional[torch.Tensor] = None,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """
    Additive attention for one decoder step, for a whole batch.

    e_s = v^T tanh(W_a q + k_s), alpha = softmax over s of e, c = sum_s alpha_s h_s,
    where the keys k_s = U_a h_s were computed beforehand.

    Inputs:
    - query: Tensor of shape (N, Hd), the previous decoder state s_{t-1}
    - keys: Tensor of shape (N, S, A), the projected annotations U_a h_s
    - values: Tensor of shape (N, S, C), the annotations h_s
    - W_a: Tensor of shape (A, Hd) (applied as query @ W_a.T)
    - v: Tensor of shape (A,)
    - mask: Optional boolean tensor of shape (N, S), True at real source positions

    Returns a tuple of:
    - scores: Tensor of shape (N, S), e (-inf at masked positions)
    - alpha: Tensor of shape (N, S), the attention weights; each row sums to 1
    - context: Tensor of shape (N, C)
    """
    if query.ndim != 2:
        raise ValueError(f"query: expected shape (N, Hd), got {tuple(query.shape)}")
    N, Hd = query.shape
    if keys.ndim != 3 or keys.shape[0] != N:
        raise ValueError(f"keys: expected shape (N, S, A) with N = {N}, got {tuple(keys.shape)}")
    _, S, A = keys.shape
    if values.ndim != 3 or values.shape[:2] != (N, S):
        raise ValueError(f"values: expected shape (N, S, C) = ({N}, {S}, C), got {tuple(values.shape)}")
    if tuple(W_a.shape) != (A, Hd):
        raise ValueError(f"W_a: expected shape (A, Hd) = ({A}, {Hd}), got {tuple(W_a.shape)}")
    if tuple(v.shape) != (A,):
        raise ValueError(f"v: expected shape (A,) = ({A},), got {tuple(v.shape)}")
    hidden = torch.tanh((query @ W_a.T)[:, None, :] + keys)  # (N, S, A)
    scores = hidden @ v  # (N, S)
    if mask is not None:
        if tuple(mask.shape) != (N, S) or mask.dtype != torch.bool:
            raise ValueError(f"mask: expected a boolean tensor of shape (N, S) = ({N}, {S}), "
                             f"got {mask.dtype} {tuple(mask.shape)}")
        scores = scores.masked_fill(~mask, float("-inf"))
    alpha = torch.softmax(scores, dim=1)  # (N, S): over the source positions
    context = torch.bmm(alpha[:, None, :], values)[:, 0]  # (N, C)
    return scores, alpha, context


# ----------------------------------------------------------------------------
# the model
# ----------------------------------------------------------------------------


class Encoder(nn.Module):
    """
    Character embedding + bidirectional GRU over the unpadded sources.

    Inputs (constructor):
    - vocab_size: Integer V_src; emb_size: Integer E; hidden_size: Integer He per direction
    """

    def __init__(self, vocab_size: int, emb_size: int, hidden_size: int, pad_id: int = PAD_ID):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb_size, padding_idx=pad_id)
        self.rnn = nn.GRU(emb_size, hidden_size, batch_first=True, bidirectional=True)

    def forward(self, src: torch.Tensor, src_len: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        Inputs:
        - src: int64 tensor of shape (N, S); src_len: int64 tensor of shape (N,)

        Returns a tuple of:
        - annotations: Tensor of shape (N, S, 2He), zero at padded positions
        - final: Tensor of shape (N, 2He), [forward state after the last real
          token; backward state after reading back to the first]
        """
        x = self.embed(src)  # (N, S, E)
        return run_packed(self.rnn, x, src_len)  # (N, S, 2He), (N, 2He)


@dataclass
class Memory:
    """
    What the decoder reads from the encoder.

    - annotations: Tensor of shape (N, S, C), C = 2He
    - mask: boolean tensor of shape (N, S), True at real source positions
    - final: Tensor of shape (N, C), the encoder's summary (the plain model's context)
    - keys: Tensor of shape (N, S, A), U_a h_s (attention only, else None)
    """

    annotations: torch.Tensor
    mask: torch.Tensor
    final: torch.Tensor
    keys: Optional[torch.Tensor] = None


class Seq2Seq(nn.Module):
    """
    GRU encoder-decoder; ``attention=True`` adds Bahdanau-style additive attention.

    Inputs (constructor):
    - src_vocab, tgt_vocab: Integer vocabulary sizes (ids 0, 1, 2 are <pad>, <sos>, <eos>)
    - emb_size: Integer size of both character embeddings
    - enc_hidden: Integer He, hidden size of each encoder direction (annotations have C = 2He)
    - dec_hidden: Integer Hd, hidden size of the decoder
    - attention: Boolean
    - attn_size: Integer A, size of the attention's hidden layer (default Hd // 2)
    """

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        emb_size: int = 32,
        enc_hidden: int = 64,
        dec_hidden: int = 128,
        attention: bool = False,
        attn_size: Optional[int] = None,
    ):
        super().__init__()
        for name, val in (("src_vocab", src_vocab), ("tgt_vocab", tgt_vocab), ("emb_size", emb_size),
                          ("enc_hidden", enc_hidden), ("dec_hidden", dec_hidden)):
            check_int(name, val, 1)
        if min(src_vocab, tgt_vocab) <= EOS_ID:
            raise ValueError("src_vocab, tgt_vocab: expected more than the 3 special tokens")
        C = 2 * enc_hidden
        self.attention = bool(attention)
        self.tgt_vocab = int(tgt_vocab)
        self.encoder = Encoder(src_vocab, emb_size, enc_hidden)
        self.embed = nn.Embedding(tgt_vocab, emb_size)
        self.init = nn.Linear(C, dec_hidden)  # s_0 = tanh(W_init final + b_init)
        self.cell = nn.GRUCell(emb_size + C, dec_hidden)
        self.out = nn.Linear(dec_hidden + C, tgt_vocab)
        if self.attention:
            A = int(attn_size) if attn_size is not None else max(1, dec_hidden // 2)
            self.W_a = nn.Linear(dec_hidden, A, bias=False)  # acts on s_{t-1}
            self.U_a = nn.Linear(C, A, bias=False)  # acts on h_s: e = v^T tanh(W_a s + U_a h_s), no bias
            self.v = nn.Parameter(torch.empty(A).uniform_(-A ** -0.5, A ** -0.5))

    # -- encoder side -------------------------------------------------------

    def encode(self, src: Any, src_len: Any) -> Memory:
        """
        Inputs:
        - src: Integer tensor of shape (N, S); src_len: Integer tensor of shape (N,)

        Returns:
        - memory: :class:`Memory`
        """
        src = _ids_tensor(src, "src")
        N, S = src.shape
        src_len = _lengths_tensor(src_len, N, S)
        annotations, final = self.encoder(src, src_len)  # (N, S, C), (N, C)
        mask = torch.arange(S)[None, :] < src_len[:, None]  # (N, S)
        keys = self.U_a(annotations) if self.attention else None  # (N, S, A), once per batch
        return Memory(annotations, mask, final, keys)

    def init_state(self, memory: Memory) -> torch.Tensor:
        """s_0 = tanh(W_init final + b_init): Tensor of shape (N, Hd)."""
        return torch.tanh(self.init(memory.final))

    # -- one decoder step ---------------------------------------------------

    def step(self, y_prev: torch.Tensor, s_prev: torch.Tensor, memory: Memory):
        """
        One decoder step for the whole batch.

        Inputs:
        - y_prev: int64 tensor of shape (N,), the previous token (<sos> at the start)
        - s_prev: Tensor of shape (N, Hd), the previous decoder state
        - memory: :class:`Memory` from :meth:`encode`

        Returns a tuple of:
        - logits: Tensor of shape (N, V_tgt) for the next token
        - s: Tensor of shape (N, Hd), the new state
        - alpha: Tensor of shape (N, S), the attention weights (None without attention)
        """
        if self.attention:
            _, alpha, context = additive_attention(
                s_prev, memory.keys, memory.annotations, self.W_a.weight, self.v, memory.mask
            )  # (N, S), (N, C)
        else:
            alpha, context = None, memory.final  # (N, C): the same vector at every step
        x = torch.cat([self.embed(y_prev), context], dim=1)  # (N, E + C)
        s = self.cell(x, s_prev)  # (N, Hd)
        logits = self.out(torch.cat([s, context], dim=1))  # (N, V)
        return logits, s, alpha

    # -- teacher forcing ----------------------------------------------------

    def forward(self, src: Any, src_len: Any, dec_in: Any):
        """
        Score every target position under teacher forcing.

        Inputs:
        - src: Integer tensor of shape (N, S); src_len: Integer tensor of shape (N,)
        - dec_in: Integer tensor of shape (N, T), from :func:`teacher_forcing_inputs`

        Returns a tuple of:
        - logits: Tensor of shape (N, T, V_tgt)
        - attn: Tensor of shape (N, T, S) of attention weights, or None without attention
        """
        dec_in = _ids_tensor(dec_in, "dec_in")
        memory = self.encode(src, src_len)
        if dec_in.shape[0] != memory.mask.shape[0]:
            raise ValueError(f"dec_in: expected shape (N, T) with N = {memory.mask.shape[0]}, "
                             f"got {tuple(dec_in.shape)}")
        s = self.init_state(memory)  # (N, Hd)
        logits, attn = [], []
        for t in range(dec_in.shape[1]):  # sequential in time, vectorised over the batch
            step_logits, s, alpha = self.step(dec_in[:, t], s, memory)
            logits.append(step_logits)
            attn.append(alpha)
        logits = torch.stack(logits, dim=1)  # (N, T, V)
        return logits, (torch.stack(attn, dim=1) if self.attention else None)  # (N, T, S)

    # -- greedy decoding ----------------------------------------------------

    @torch.no_grad()
    def greedy_decode(self, src: Any, src_len: Any, max_len: int = 20):
        """
        Greedy decoding: feed back the most likely token until <eos> or ``max_len``.

        Vectorised over the batch; a row that has written <eos> keeps being
        computed but its later outputs are replaced by <pad>. The loop stops
        as soon as every row has finished.

        Inputs:
        - src: Integer tensor of shape (N, S); src_len: Integer tensor of shape (N,)
        - max_len: Positive integer, the most tokens written per row (with <eos>)

        Returns a tuple of:
        - pred: int64 tensor of shape (N, L), L <= max_len: tokens, <eos>, then <pad>
        - attn: Tensor of shape (N, L, S) (zero after a row's <eos>), or None without attention
        """
        check_int("max_len", max_len, 1)
        memory = self.encode(src, src_len)
        N = memory.mask.shape[0]
        s = self.init_state(memory)  # (N, Hd)
        y = torch.full((N,), SOS_ID, dtype=torch.long)  # (N,)
        done = torch.zeros(N, dtype=torch.bool)  # (N,)
        preds, attn = [], []
        for _ in range(int(max_len)):
            logits, s, alpha = self.step(y, s, memory)
            y = logits.argmax(dim=1)  # (N,)
            y = torch.where(done, torch.full_like(y, PAD_ID), y)
            preds.append(y)
            if alpha is not None:
                attn.append(torch.where(done[:, None], torch.zeros_like(alpha), alpha))
            done = done | (y == EOS_ID)
            if bool(done.all()):
                break
        pred = torch.stack(preds, dim=1)  # (N, L)
        return pred, (torch.stack(attn, dim=1) if self.attention else None)  # (N, L, S)


# ----------------------------------------------------------------------------
# loss and metrics
# ----------------------------------------------------------------------------


def sequence_loss(logits: torch.Tensor, tgt: Any, pad_id: int = PAD_ID) -> torch.Tensor:
    """
    Mean cross-entropy (nats) over the real target tokens (<eos> included, <pad> excluded).

    Inputs:
    - logits: Tensor of shape (N, T, V)
    - tgt: Integer tensor of shape (N, T)

    Returns:
    - loss: scalar tensor
    """
    tgt = _ids_tensor(tgt, "tgt")
    if logits.ndim != 3 or tuple(logits.shape[:2]) != tuple(tgt.shape):
        raise ValueError(f"logits: expected shape (N, T, V) with (N, T) = {tuple(tgt.shape)}, "
                         f"got {tuple(logits.shape)}")
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=pad_id)


def truncate_at_eos(ids: Any, eos_id: int = EOS_ID, pad_id: int = PAD_ID) -> torch.Tensor:
    """
    Replace everything after each row's first <eos> by <pad>.

    Inputs:
    - ids: Integer tensor or array of shape (N, L)

    Returns:
    - ids: int64 tensor of shape (N, L)
    """
    ids = _ids_tensor(ids, "ids")
    is_eos = (ids == eos_id).long()  # (N, L)
    after = (torch.cumsum(is_eos, dim=1) - is_eos) > 0  # (N, L): strictly after the first <eos>
    return ids.masked_fill(after, pad_id)


def _aligned(pred: Any, tgt: Any, pad_id: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Both truncated at <eos> and padded to the same width (N, L)."""
    pred, tgt = truncate_at_eos(pred), truncate_at_eos(tgt)
    if pred.shape[0] != tgt.shape[0]:
        raise ValueError(f"pred: expected shape (N, L) with N = {tgt.shape[0]} (as tgt), got {tuple(pred.shape)}")
    L = max(pred.shape[1], tgt.shape[1])
    pred = F.pad(pred, (0, L - pred.shape[1]), value=pad_id)
    tgt = F.pad(tgt, (0, L - tgt.shape[1]), value=pad_id)
    return pred, tgt


def exact_match(pred: Any, tgt: Any, pad_id: int = PAD_ID) -> float:
    """
    Fraction of rows whose prediction equals the target, token for token, up to and including <eos>.

    Inputs:
    - pred: Integer tensor of shape (N, L1); tgt: Integer tensor of shape (N, L2)

    Returns:
    - accuracy: Float in [0, 1]
    """
    pred, tgt = _aligned(pred, tgt, pad_id)
    return float((pred == tgt).all(dim=1).double().mean())


def char_accuracy(pred: Any, tgt: Any, pad_id: int = PAD_ID) -> float:
    """
    Fraction of the real target positions (characters and <eos>) where the prediction agrees.

    Positions are compared one by one, so a prediction that drops or inserts a
    character is wrong from there on; positions a prediction leaves empty count as wrong.

    Inputs:
    - pred: Integer tensor of shape (N, L1); tgt: Integer tensor of shape (N, L2)

    Returns:
    - accuracy: Float in [0, 1]
    """
    pred, tgt = _aligned(pred, tgt, pad_id)
    real = tgt != pad_id  # (N, L)
    return float(((pred == tgt) & real).sum()) / max(1, int(real.sum()))
