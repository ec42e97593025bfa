"""rnn_helpers.numpy_rnn.minimal: minGRU and minLSTM, sequential equals
parallel, against an independent torch transcription of the equations."""

import numpy as np
import pytest
import torch

from rnn_helpers.numpy_rnn.minimal import (
    MODES,
    count_parameters,
    mingru_coefficients,
    mingru_forward,
    mingru_step_forward,
    minlstm_coefficients,
    minlstm_forward,
    minlstm_step_forward,
)

SHAPES = [(1, 1, 1, 1), (2, 1, 3, 2), (3, 5, 2, 4), (2, 8, 3, 3), (1, 13, 4, 2), (2, 37, 2, 5)]
CELLS = {"mingru": (mingru_forward, mingru_step_forward, mingru_coefficients, 2),
         "minlstm": (minlstm_forward, minlstm_step_forward, minlstm_coefficients, 3)}


def make(N, T, D, H, blocks, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx = rng.standard_normal((D, blocks * H))
    b = rng.standard_normal(blocks * H)
    return x, h0, Wx, b


def torch_reference(cell, x, h0, Wx, b):
    """The equations of Feng et al. (2024), transcribed in torch, one step at a time."""
    x, h, Wx, b = (torch.tensor(v) for v in (x, h0, Wx, b))
    H = h.shape[1]
    out = []
    for t in range(x.shape[1]):
        pre = x[:, t] @ Wx + b
        if cell == "mingru":
            z = torch.sigmoid(pre[:, :H])
            h = (1 - z) * h + z * pre[:, H:]
        else:
            f, i = torch.sigmoid(pre[:, :H]), torch.sigmoid(pre[:, H:2 * H])
            h = f / (f + i) * h + i / (f + i) * pre[:, 2 * H:]
        out.append(h)
    return torch.stack(out, 1).numpy()


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", SHAPES)
def test_every_mode_equals_the_reference(cell, shape):
    forward, _, _, blocks = CELLS[cell]
    x, h0, Wx, b = make(*shape, blocks)
    ref = torch_reference(cell, x, h0, Wx, b)
    outs = {mode: forward(x, h0, Wx, b, mode=mode) for mode in MODES}
    for mode, h in outs.items():
        assert h.shape == ref.shape
        assert np.abs(h - ref).max() < 1e-12 * max(1, np.abs(ref).max()), mode
    assert np.abs(outs["sequential"] - outs["scan"]).max() < 1e-12 * max(1, np.abs(ref).max())


@pytest.mark.parametrize("cell", CELLS)
def test_coefficients_do_not_depend_on_the_state(cell):
    forward, step, coefficients, blocks = CELLS[cell]
    x, h0, Wx, b = make(2, 6, 3, 4, blocks, seed=1)
    a, bt = coefficients(x, Wx, b)
    assert a.shape == bt.shape == (2, 6, 4)
    assert np.all((a > 0) & (a < 1))  # a convex combination of old state and candidate
    # one step from any state is a_t * h + b_t with the same coefficients
    for h in (h0, 3 * h0 - 1):
        np.testing.assert_allclose(step(x[:, 2], h, Wx, b), a[:, 2] * h + bt[:, 2], rtol=1e-12, atol=1e-13)


def test_minlstm_gates_are_normalised():
    x, h0, Wx, b = make(3, 4, 2, 3, 3, seed=2)
    a, bt = minlstm_coefficients(x, Wx, b)
    pre = x @ Wx + b
    i = 1 / (1 + np.exp(-pre[..., 3:6]))
    f = 1 / (1 + np.exp(-pre[..., :3]))
    np.testing.assert_allclose(a + i / (f + i), 1.0, rtol=1e-13)  # f' + i' = 1


def test_float32_and_parameter_counts():
    x, h0, Wx, b = make(2, 5, 3, 4, 2)
    out = mingru_forward(*(v.astype(np.float32) for v in (x, h0, Wx, b)))
    assert out.dtype == np.float32
    assert count_parameters("mingru", 3, 4) == Wx.size + b.size == 2 * 4 * 4
    assert count_parameters("minlstm", 2, 32) == 3 * 32 * 3
    with pytest.raises(ValueError, match="cell"):
        count_parameters("gru", 2, 3)


@pytest.mark.parametrize("cell", CELLS)
def test_bad_arguments_name_the_argument(cell):
    forward, step, _, blocks = CELLS[cell]
    x, h0, Wx, b = make(2, 5, 3, 4, blocks)
    with pytest.raises(ValueError, match=r"^x: expected a 3-D"):
        forward(x[0], h0, Wx, b)
    with pytest.raises(ValueError, match=r"^Wx: expected shape"):
        forward(x, h0, Wx[:2], b)
    with pytest.raises(ValueError, match=r"^Wx: expected shape"):
        forward(x, h0, Wx[:, :-1], b)
    with pytest.raises(ValueError, match=r"^b: expected shape"):
        forward(x, h0, Wx, b[:-1])
    with pytest.raises(ValueError, match=r"^h0: expected shape"):
        forward(x, h0[:1], Wx, b)
    with pytest.raises(ValueError, match=r"^prev_h: expected shape"):
        step(x[:, 0], h0[:, :2], Wx, b)
    with pytest.raises(ValueError, match=r"^mode"):
        forward(x, h0, Wx, b, mode="parallel")
