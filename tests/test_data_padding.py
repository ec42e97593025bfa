"""rnn_helpers.data.padding: padding, masks, pooling and packing, with torch as the oracle."""

import numpy as np
import pytest
import torch

from rnn_helpers.data.padding import last_state, length_mask, masked_mean, pad_sequences, run_packed


def ragged(rng, lengths, V=9):
    return [rng.integers(1, V, size=L) for L in lengths]


# --- pad_sequences ---------------------------------------------------------------


def test_pad_sequences_values_and_lengths():
    padded, lengths = pad_sequences([[3, 1, 4], [1, 5], [9]], pad_value=-1)
    assert padded.dtype == np.int64 and lengths.dtype == np.int64
    np.testing.assert_array_equal(padded, [[3, 1, 4], [1, 5, -1], [9, -1, -1]])
    np.testing.assert_array_equal(lengths, [3, 2, 1])


def test_pad_sequences_accepts_arrays_and_tensors():
    padded, lengths = pad_sequences([np.array([2, 2]), torch.tensor([7, 8, 9])])
    np.testing.assert_array_equal(padded, [[2, 2, 0], [7, 8, 9]])
    np.testing.assert_array_equal(lengths, [2, 3])


@pytest.mark.parametrize("seqs, fragment", [
    ([], "at least one sequence"),
    ([[1, 2], []], "seqs[1]"),
    ([[1.5, 2.0]], "integer ids"),
    ([[[1, 2]]], "1-D"),
    ("abc", "list of N"),
])
def test_pad_sequences_rejects_bad_input(seqs, fragment):
    with pytest.raises(ValueError, match=None) as info:
        pad_sequences(seqs)
    assert fragment in str(info.value)


# --- length_mask -------------------------------------------------------------------


def test_length_mask_numpy_and_torch():
    lengths = np.array([3, 1, 4])
    expected = np.array([[1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 0]], dtype=bool)
    np.testing.assert_array_equal(length_mask(lengths, 5), expected)
    np.testing.assert_array_equal(length_mask(lengths), expected[:, :4])
    m = length_mask(torch.tensor(lengths), 5)
    assert isinstance(m, torch.Tensor) and m.dtype == torch.bool
    np.testing.assert_array_equal(m.numpy(), expected)


@pytest.mark.parametrize("lengths, T, fragment", [
    ([3, 0], None, "at least 1"),
    ([[3, 1]], None, "shape (N,)"),
    ([3, 4], 3, "T: expected at least max(lengths) = 4"),
    ([1.5, 2], None, "integer lengths"),
    ([], None, "at least one"),
])
def test_length_mask_rejects_bad_input(lengths, T, fragment):
    with pytest.raises(ValueError) as info:
        length_mask(np.array(lengths), T)
    assert fragment in str(info.value)


# --- pooling -------------------------------------------------------------------


def test_masked_mean_and_last_state_match_per_sequence_numpy():
    rng = np.random.default_rng(0)
    lengths = np.array([5, 2, 3, 1])
    h = rng.standard_normal((4, 5, 3))
    h[~length_mask(lengths)] = np.nan  # padding must not leak in, whatever it holds
    pooled = masked_mean(h, length_mask(lengths))
    last = last_state(h, lengths)
    for n, L in enumerate(lengths):
        np.testing.assert_allclose(pooled[n], h[n, :L].mean(axis=0), rtol=1e-12)
        np.testing.assert_array_equal(last[n], h[n, L - 1])


def test_masked_mean_torch_gradient_is_zero_at_padding():
    torch.manual_seed(0)
    lengths = torch.tensor([4, 2, 1])
    h = torch.randn(3, 4, 2, dtype=torch.float64, requires_grad=True)
    pooled = masked_mean(h, length_mask(lengths))
    pooled.sum().backward()
    mask = length_mask(lengths)
    assert torch.all(h.grad[~mask] == 0)
    expected = (1.0 / lengths.double())[:, None, None].expand(3, 4, 2)
    torch.testing.assert_close(h.grad[mask], expected[mask])


def test_last_state_torch_is_differentiable():
    h = torch.randn(2, 3, 4, requires_grad=True)
    last_state(h, torch.tensor([3, 1])).sum().backward()
    assert h.grad[0, 2].abs().sum() > 0 and h.grad[1, 0].abs().sum() > 0
    assert h.grad[1, 1:].abs().sum() == 0


def test_pooling_rejects_bad_shapes():
    h = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"mask: expected shape \(N, T\) = \(2, 3\)"):
        masked_mean(h, np.ones((2, 4), dtype=bool))
    with pytest.raises(ValueError, match="at least one real step"):
        masked_mean(h, np.array([[1, 0, 0], [0, 0, 0]], dtype=bool))
    with pytest.raises(ValueError, match=r"h: expected a 3-D array of shape \(N, T, H\)"):
        masked_mean(np.zeros((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="at most T = 3"):
        last_state(h, [4, 1])
    with pytest.raises(ValueError, match=r"lengths: expected shape \(N,\) = \(2,\)"):
        last_state(h, [1, 1, 1])


# --- packing ---------------------------------------------------------------------


@pytest.mark.parametrize("cell", [torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM])
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, False), (1, True), (2, True)])
def test_packing_gives_the_last_states_of_sequences_run_alone(cell, num_layers, bidirectional):
    torch.manual_seed(1)
    D, H = 3, 5
    rnn = cell(D, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=True,
               dtype=torch.float64)
    lengths = np.array([2, 6, 1, 4, 6])  # unsorted on purpose (enforce_sorted=False)
    x = torch.randn(len(lengths), 6, D, dtype=torch.float64)
    x[torch.from_numpy(~length_mask(lengths))] = 7.0  # padding holds junk: it must not matter
    out, last = run_packed(rnn, x, lengths)
    dirs = 2 if bidirectional else 1
    assert out.shape == (5, 6, dirs * H) and last.shape == (5, dirs * H)
    for n, L in enumerate(lengths):
        alone_out, h_n = rnn(x[n:n + 1, :L])  # one sequence, no padding at all
        if isinstance(h_n, tuple):
            h_n = h_n[0]
        ref = torch.cat([h_n[-2], h_n[-1]], dim=-1)[0] if bidirectional else h_n[-1, 0]
        torch.testing.assert_close(last[n], ref, rtol=0, atol=1e-12)
        torch.testing.assert_close(out[n, :L], alone_out[0], rtol=0, atol=1e-12)
        assert torch.all(out[n, L:] == 0)
        if not bidirectional:  # the unidirectional last state is the output at step L - 1
            torch.testing.assert_close(last[n], out[n, L - 1], rtol=0, atol=0)


@pytest.mark.parametrize("cell", [torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM])
def test_naive_padding_without_packing_gives_different_last_states(cell):
    torch.manual_seed(2)
    rnn = cell(3, 4, batch_first=True, dtype=torch.float64)
    lengths = np.array([6, 3, 1])
    x = torch.randn(3, 6, 3, dtype=torch.float64)
    x[torch.from_numpy(~length_mask(lengths))] = 0.0  # zero padding vectors, as an embedding's padding_idx gives
    _, last = run_packed(rnn, x, lengths)
    naive_out, _ = rnn(x)  # the padded batch run as if it were data
    naive_last = naive_out[:, -1]
    diff = (naive_last - last).abs().max(dim=1).values
    assert diff[0] < 1e-12  # the full-length sequence is unaffected
    assert diff[1] > 1e-3 and diff[2] > 1e-3  # the shorter ones kept reading padding
    # masking alone repairs a unidirectional network: gather at step L - 1
    torch.testing.assert_close(last_state(naive_out, lengths), last, rtol=0, atol=1e-12)


def test_gathering_does_not_repair_a_bidirectional_network():
    torch.manual_seed(3)
    rnn = torch.nn.GRU(3, 4, batch_first=True, bidirectional=True, dtype=torch.float64)
    lengths = np.array([5, 2])
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    x[torch.from_numpy(~length_mask(lengths))] = 0.0
    _, last = run_packed(rnn, x, lengths)
    naive_out, _ = rnn(x)
    # the backward direction of the short sequence started in the padding
    backward_naive = naive_out[1, 0, 4:]
    assert (backward_naive - last[1, 4:]).abs().max() > 1e-3
    torch.testing.assert_close(naive_out[1, 1, :4], last[1, :4], rtol=0, atol=1e-12)  # forward is fine


def test_run_packed_accepts_h0_and_keeps_gradients():
    torch.manual_seed(4)
    rnn = torch.nn.LSTM(2, 3, batch_first=True)
    x = torch.randn(2, 4, 2, requires_grad=True)
    h0 = (torch.randn(1, 2, 3), torch.randn(1, 2, 3))
    _, last = run_packed(rnn, x, torch.tensor([4, 2]), h0)
    alone, (h_n, _) = rnn(x[1:2, :2], (h0[0][:, 1:2], h0[1][:, 1:2]))
    torch.testing.assert_close(last[1], h_n[-1, 0])
    last.sum().backward()
    assert torch.all(x.grad[1, 2:] == 0) and x.grad[1, :2].abs().sum() > 0


def test_run_packed_rejects_bad_arguments():
    rnn = torch.nn.GRU(3, 4, batch_first=True)
    x = torch.zeros(2, 5, 3)
    with pytest.raises(ValueError, match="batch_first=True"):
        run_packed(torch.nn.GRU(3, 4), x, [5, 2])
    with pytest.raises(ValueError, match="torch.nn.RNN, GRU or LSTM"):
        run_packed(torch.nn.Linear(3, 4), x, [5, 2])
    with pytest.raises(ValueError, match=r"x: expected a tensor of shape \(N, T, D\)"):
        run_packed(rnn, torch.zeros(5, 3), [5])
    with pytest.raises(ValueError, match="D = rnn.input_size = 3"):
        run_packed(rnn, torch.zeros(2, 5, 4), [5, 2])
    with pytest.raises(ValueError, match="at most T = 5"):
        run_packed(rnn, x, [6, 2])
    with pytest.raises(ValueError, match="at least 1"):
        run_packed(rnn, x, [0, 2])
    with pytest.raises(ValueError, match=r"lengths: expected shape \(N,\) = \(2,\)"):
        run_packed(rnn, x, [5])
