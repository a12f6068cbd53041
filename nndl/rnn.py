"""Recurrent networks (draft chapter 7, 循环神经网络): SRN, LSTM and GRU with BPTT.

Every layer follows the layer protocol of `nndl.nn` and is batch first: ``forward(x)`` takes a
batch of sequences ``x`` of shape (N, T, D) and returns all hidden states (N, T, H);
``backward(dh)`` takes dL/dh of shape (N, T, H), fills ``grads`` and returns dL/dx (N, T, D).
Both accept an initial state (``h0``, and ``c0`` for the LSTM; zeros by default, the h₀ = 0 of
(7.1)); after ``backward`` the gradients with respect to it are in ``dh0`` (and ``dc0``).

From the book's columns to the code's rows
------------------------------------------
The draft writes one sample as a column, h_t = f(U h_{t−1} + W x_t + b) (7.2).  A batch stores
one sample per row, so the code computes ``h_t = f(h_{t−1} @ U + x_t @ W + b)``: the code's
``W`` (D, H) and ``U`` (H, H) are the *transposes* of the draft's W and U.  Gated layers stack
their G gates side by side, in the draft's order: ``W`` (D, G·H), ``U`` (H, G·H), ``b`` (G·H).

- `SRN` (G = 1): (7.2).
- `LSTM` (G = 4, blocks [i, f, o, c̃]): (7.14)–(7.19), with diagonal peepholes ``V`` (3, H)
  (rows: V_i, V_f, V_o; the input and forget gates see c_{t−1}, the output gate sees c_t as in
  (7.16), so o_t is evaluated after (7.18)).  ``peephole=False`` drops V (the common LSTM of
  PyTorch and most libraries).
- `GRU` (G = 3, blocks [r, z, h̃]): (7.20)–(7.23), the reset gate applied *before* the
  product, U_c(r_t ⊙ h_{t−1}) as in (7.22) [Cho et al., 2014], and h_t = z_t ⊙ h_{t−1} +
  (1 − z_t) ⊙ h̃_t (7.23).  PyTorch's GRU applies the reset after the product, r ⊙ (U h + b).

Beyond the draft: every gate and the candidate have a bias (the draft's (7.14)–(7.17) and
(7.20)–(7.22) have none; set them to zero and freeze them to recover the printed model), the
LSTM's ``forget_bias`` initialisation [Gers et al., 2000; Jozefowicz et al., 2015], and gradient
clipping by norm, `clip_grad_norm` [Pascanu et al., 2013].

Two implementations of every kernel (three for the LSTM)
--------------------------------------------------------
``*_reference`` functions mirror the equations: one line per equation, one matrix product per
gate, a Python loop over time steps.  For the LSTM, `lstm_step` (one step, gate by gate, plain
logistic σ) and `lstm_forward_vectorized` (one input GEMM, then `lstm_step` per step) are the
readable vectorized form; no layer uses them.  The fast kernels the layers use compute the input
projections of all T steps with **one** GEMM ((N·T, D) @ (D, G·H)), one fused gate GEMM per step
(h_{t−1} @ U for all gates at once; the GRU needs a second one for U_c(r ⊙ h), which depends on
r_t), and BPTT the same way: one GEMM per step back through U, then dW, dU, db and dx for all
steps at once with one GEMM each.  Both return the same numbers (tests check it) and the
backward passes match finite differences.  The public kernels check their arguments (types and
matching shapes of x, W, U, b, V, h0, c0, dh, with messages naming the expected shape) and call
unchecked private engines (``_lstm_forward``, ...), which the layers use after their own checks
together with a per-layer workspace; nothing a kernel or layer returns shares memory with that
workspace.

Failing loudly
--------------
Layers accept floating dtypes only (an integer dtype would truncate the weights to zeros).  The
layers are `nndl.nn.Layer` subclasses, so a layer object used by two threads at once raises
RuntimeError (give each thread a ``copy.deepcopy``).  `global_norm` neither overflows nor
underflows; `clip_grad_norm` refuses NaN/inf gradients, naming them.  `train` rejects NaN/inf
data and stops with `nndl._validation.TrainingDiverged` (naming the step and the last finite
loss) when a learning rate is too large, without a storm of RuntimeWarnings first.

The draft's BPTT, literally
---------------------------
The double sum (7.5)/(7.8) with every Jacobian product formed, and the printed reading of (7.7)
(f′ evaluated at h_{i−1}, erratum 57), are in `nndl.draft` (`bptt_literal`,
`jacobian_norms_77`); `jacobian_norms` here uses the correct factor Uᵀdiag(f′(z_i)),
z_i = U h_{i−1} + W x_i + b (for tanh: diag(1 − h_i²)), multiplied for i = k+1, …, t from left
to right (denominator layout).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import functions as F
from ._validation import as_count as _count
from ._validation import (
    as_float_dtype,
    as_positive,
    as_real_array,
    as_real_number,
    require_finite,
)
from .nn import Layer

__all__ = [
    "SRN",
    "LSTM",
    "GRU",
    "LastStep",
    "ACTIVATIONS",
    "srn_forward",
    "srn_backward",
    "srn_forward_reference",
    "srn_backward_reference",
    "lstm_forward",
    "lstm_backward",
    "lstm_forward_reference",
    "lstm_backward_reference",
    "lstm_step",
    "lstm_forward_vectorized",
    "gru_forward",
    "gru_backward",
    "gru_forward_reference",
    "gru_backward_reference",
    "jacobian_norms",
    "with_spectral_radius",
    "additive_state",
    "gradient_flow_runs",
    "clip_grad_norm",
    "global_norm",
    "recall_task",
    "blas_threads",
]

# -------------------------------------------------------------------------------- activations
#: The recurrent layers' activations, name → (f, f′) with f′ written as a function of the
#: *output* a = f(z), which is what BPTT has at hand ((7.7): diag(f′(z_i)) = diag(1 − h_i²) for tanh).
ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
    "logistic": (F.logistic, lambda a: a * (1.0 - a)),
    "relu": (F.relu, lambda a: (a > 0).astype(a.dtype)),
    "linear": (lambda z: z, lambda a: np.ones_like(a)),
}


def _sigmoid(z, out=None):
    """σ(z) = (1 + tanh(z/2))/2: equal to the logistic function, never overflows, and fast."""
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


# --------------------------------------------------------------------------------- validation
# The public kernels check their arguments (shapes only: a few microseconds) and then call the
# unchecked engines ``_srn_forward``, ... that the layers call directly after their own checks.
def _real_number(value, name: str, positive: bool = False) -> float:
    """``value`` as a finite float (> 0 if ``positive``), by the checks of `nndl._validation`."""
    return as_positive(value, name) if positive else as_real_number(value, name)


def _activation(name, who: str):
    """(f, f′) of ``ACTIVATIONS[name]``, or ValueError naming the choices."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"{who}: unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def _sequences(x, D, who: str, name: str = "x") -> np.ndarray:
    """``x`` as a real (N, T, D) array with N, T >= 1 (any D if ``D`` is None)."""
    x = as_real_array(x, name)
    if x.ndim != 3 or (D is not None and x.shape[2] != D) or x.shape[0] == 0 or x.shape[1] == 0:
        at = "" if D is None else f" with D = {D}"
        raise ValueError(
            f"{who} expects a batch of sequences {name} of shape (N, T, D){at} "
            f"(batch first: N >= 1 sequences of T >= 1 steps), got shape {x.shape}"
        )
    return x


def _shaped(a, shape, name: str, who: str, expected: str) -> np.ndarray:
    """``a`` as a real array of exactly ``shape``; ``expected`` spells the shape in letters."""
    a = as_real_array(a, name)
    if a.shape != tuple(shape):
        raise ValueError(f"{who}: {name} must have shape {expected} = {tuple(shape)}, got shape {a.shape}")
    return a


def _kernel_args(x, W, U, b, gates: int, who: str, V=None):
    """Check a kernel's x (N, T, D), W (D, G·H), U (H, G·H), b (G·H,) and V (3, H) (if given).

    H comes from U, D from x.  Returns them as real arrays (floats keep their dtype).
    """
    x = _sequences(x, None, who)
    U = as_real_array(U, "U")
    GH = "H" if gates == 1 else f"{gates}·H"
    if U.ndim != 2 or U.shape[0] == 0 or U.shape[1] != gates * U.shape[0]:
        raise ValueError(f"{who}: U must have shape (H, {GH}) with H >= 1, got shape {U.shape}")
    H, D = U.shape[0], x.shape[2]
    W = _shaped(W, (D, gates * H), "W", who, f"(D, {GH}) for x of shape {x.shape} and H = {H}")
    b = _shaped(b, (gates * H,), "b", who, f"({GH},) for H = {H}")
    if V is not None:
        V = _shaped(V, (3, H), "V", who, f"(3, H) for H = {H}")
    return x, W, U, b, V


def _state(s, N: int, H: int, dtype, name: str, who: str) -> np.ndarray:
    if s is None:
        return np.zeros((N, H), dtype=dtype)
    s = as_real_array(s, name)
    if s.shape != (N, H):
        raise ValueError(
            f"{who}: the initial state {name} must have shape (N, H) = ({N}, {H}) "
            f"(N from x, H from U), got shape {s.shape}"
        )
    return s.astype(dtype, copy=False)


def _dh(dh, shape, who: str) -> np.ndarray:
    """``dh`` as a real array of the output's shape (N, T, H); ``who`` names the caller."""
    dh = as_real_array(dh, "dh")
    if dh.shape != tuple(shape):
        raise ValueError(
            f"{who}: dh must have the shape (N, T, H) = {tuple(shape)} of the output, got shape {dh.shape}"
        )
    return dh


def _cache(cache, length: int, forward: str, who: str) -> tuple:
    """``cache`` if it is a tuple of ``length`` items (what ``forward`` returns); else TypeError."""
    if not isinstance(cache, tuple) or len(cache) != length:
        got = f"a tuple of {len(cache)} items" if isinstance(cache, tuple) else type(cache).__name__
        raise TypeError(
            f"{who}: cache must be the second value returned by {forward} "
            f"(a tuple of {length} items), got {got}"
        )
    return cache


def _unpack(params, names):
    return [params[k] for k in names]


def _time_major(x) -> np.ndarray:
    """x (N, T, D) → a time-major copy (T·N, D): rows t·N … t·N + N − 1 are step t."""
    N, T, D = x.shape
    return np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D)


def _input_projection(xt, W, b, T: int, work=None) -> np.ndarray:
    """W x_t + b for all steps at once, one GEMM on the time-major inputs: (T, N, G·H)."""
    out = _workspace_array(work, "xw", (xt.shape[0], W.shape[1]), np.result_type(xt, W))
    xw = np.matmul(xt, W, out=out)
    xw += b
    return xw.reshape(T, -1, W.shape[1])


def _workspace_array(work, name: str, shape, dtype) -> np.ndarray:
    """An uninitialised array, taken from ``work`` (a dict a layer keeps between calls) when one
    of that shape and dtype is there.  Fresh multi-megabyte arrays cost a page fault per 4 KiB on
    every call: about 40 % of an LSTM's forward pass at T = 50, N = 32, H = 128.  Unlike
    `nndl._parallel.scratch` (per thread, for arrays that die within a call), these arrays live in
    the layer's cache until its next forward pass, so two layers never share them."""
    dtype = np.dtype(dtype)
    if work is None:
        return np.empty(shape, dtype)
    a = work.get(name)
    if a is None or a.shape != tuple(shape) or a.dtype != dtype:
        a = work[name] = np.empty(shape, dtype)
    return a


# ===================================================================================== SRN (7.2)
def srn_forward_reference(x, W, U, b, h0=None, activation="tanh"):
    """(7.1)–(7.2) step by step: h_t = f(U h_{t−1} + W x_t + b) for t = 1..T, h_0 given.

    Rows as samples, so the line reads ``f(h_prev @ U + x_t @ W + b)``.  Returns ``(h, cache)``
    with ``h`` (N, T, H).
    """
    who = "srn_forward_reference"
    x, W, U, b, _ = _kernel_args(x, W, U, b, 1, who)
    f, _ = _activation(activation, who)
    N, T, _ = x.shape
    h_prev = _state(h0, N, U.shape[0], x.dtype, "h0", who)
    hs = [h_prev]
    for t in range(T):
        z_t = h_prev @ U + x[:, t] @ W + b  # U h_{t-1} + W x_t + b
        h_prev = f(z_t)  # (7.2)
        hs.append(h_prev)
    H = np.stack(hs, axis=1)  # (N, T+1, H) with h_0 first
    return H[:, 1:], (x, W, U, b, H, activation)


def srn_backward_reference(dh, cache):
    """BPTT for (7.2), one step at a time from t = T down to 1.

    δ_t = ∂J/∂z_t = f′(z_t) ⊙ (∂J_t/∂h_t + Uδ_{t+1}) (column form); ∂J/∂U = Σ_t h_{t−1}δ_tᵀ,
    ∂J/∂W = Σ_t x_tδ_tᵀ, ∂J/∂b = Σ_t δ_t, ∂J/∂x_t = Wδ_t (code layout: rows).
    Returns ``(dx, grads, dh0)``.
    """
    who = "srn_backward_reference"
    x, W, U, b, H, activation = _cache(cache, 6, "srn_forward_reference", who)
    dh = _dh(dh, (*x.shape[:2], U.shape[0]), who)
    _, fprime = ACTIVATIONS[activation]
    T = x.shape[1]
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    dx = np.zeros_like(x)
    carry = np.zeros_like(H[:, 0])  # ∂J/∂h_t from step t+1
    for t in range(T - 1, -1, -1):
        delta = fprime(H[:, t + 1]) * (dh[:, t] + carry)  # f'(z_t) ⊙ ∂J/∂h_t
        dU += H[:, t].T @ delta
        dW += x[:, t].T @ delta
        db += delta.sum(axis=0)
        dx[:, t] = delta @ W.T
        carry = delta @ U.T  # ∂J/∂h_{t-1}
    return dx, {"W": dW, "U": dU, "b": db}, carry


def srn_forward(x, W, U, b, h0=None, activation="tanh"):
    """Fast (7.2): one GEMM for W x_t + b of all steps, one GEMM h_{t−1} @ U per step.

    x (N, T, D), W (D, H), U (H, H), b (H,), h0 (N, H) or None.  Returns ``(h, cache)``, h
    (N, T, H); nothing returned shares memory with a later call.
    """
    x, W, U, b, _ = _kernel_args(x, W, U, b, 1, "srn_forward")
    _activation(activation, "srn_forward")
    return _srn_forward(x, W, U, b, h0, activation)


def srn_backward(dh, cache):
    """Fast BPTT for (7.2): one GEMM δ_t @ Uᵀ per step, then dW, dU, db, dx for all steps.

    ``cache`` from `srn_forward`, dh (N, T, H).  Returns ``(dx, grads, dh0)``.
    """
    x, _, _, U, *_ = _cache(cache, 7, "srn_forward", "srn_backward")
    return _srn_backward(_dh(dh, (*x.shape[:2], U.shape[0]), "srn_backward"), cache)


def _srn_forward(x, W, U, b, h0=None, activation="tanh", work=None):
    """The unchecked engine of `srn_forward`; ``work``: see `_workspace_array`."""
    f, _ = ACTIVATIONS[activation]
    N, T, D = x.shape
    Hd = U.shape[0]
    h0 = _state(h0, N, Hd, x.dtype, "h0", "srn_forward")
    # time-major buffer of all states, h_0 first: states[t+1] = h_t
    states = np.empty((T + 1, N, Hd), dtype=np.result_type(x, W))
    states[0] = h0
    xt = _time_major(x)
    xw = _input_projection(xt, W, b, T, work)  # (T, N, H)
    inplace_tanh = activation == "tanh"
    for t in range(T):
        z = np.matmul(states[t], U, out=states[t + 1])
        z += xw[t]
        if inplace_tanh:
            np.tanh(z, out=z)
        else:
            states[t + 1] = f(z)
    h = states[1:].transpose(1, 0, 2)
    return h, (x, xt, W, U, b, states, activation)


def _srn_backward(dh, cache, work=None):
    """The unchecked engine of `srn_backward`."""
    x, xt, W, U, b, states, activation = cache
    _, fprime = ACTIVATIONS[activation]
    N, T, D = x.shape
    Hd = U.shape[0]
    dht = dh.transpose(1, 0, 2)  # (T, N, H) view
    deltas = _workspace_array(work, "deltas", (T, N, Hd), states.dtype)
    carry = np.zeros((N, Hd), dtype=states.dtype)
    UT = np.ascontiguousarray(U.T)  # a transposed view would send matmul off BLAS
    for t in range(T - 1, -1, -1):
        d = deltas[t]
        np.add(dht[t], carry, out=d)
        if activation == "tanh":
            a = states[t + 1]
            d *= 1.0 - a * a
        else:
            d *= fprime(states[t + 1])
        np.matmul(d, UT, out=carry)
    flat = deltas.reshape(T * N, Hd)
    dU = states[:-1].reshape(T * N, Hd).T @ flat
    dW = xt.T @ flat
    db = flat.sum(axis=0)
    dx = (flat @ W.T).reshape(T, N, D).transpose(1, 0, 2)
    return dx, {"W": dW, "U": dU, "b": db}, carry


# ================================================================================= LSTM (7.14)
def lstm_forward_reference(x, W, U, b, V=None, h0=None, c0=None):
    """(7.14)–(7.19) step by step, one product per gate (V = None: no peepholes).

    Blocks of the stacked parameters: [:, 0:H] input gate i, [H:2H] forget gate f, [2H:3H]
    output gate o, [3H:4H] candidate c̃.  Returns ``(h, cache)``.
    """
    who = "lstm_forward_reference"
    x, W, U, b, V = _kernel_args(x, W, U, b, 4, who, V)
    N, T, _ = x.shape
    H = U.shape[0]
    Wi, Wf, Wo, Wc = (W[:, k * H : (k + 1) * H] for k in range(4))
    Ui, Uf, Uo, Uc = (U[:, k * H : (k + 1) * H] for k in range(4))
    bi, bf, bo, bc = (b[k * H : (k + 1) * H] for k in range(4))
    Vi, Vf, Vo = (np.zeros(H, dtype=W.dtype),) * 3 if V is None else (V[0], V[1], V[2])
    h = _state(h0, N, H, x.dtype, "h0", who)
    c = _state(c0, N, H, x.dtype, "c0", who)
    steps = []
    for t in range(T):
        x_t = x[:, t]
        i = F.logistic(x_t @ Wi + h @ Ui + Vi * c + bi)  # (7.14)
        f = F.logistic(x_t @ Wf + h @ Uf + Vf * c + bf)  # (7.15)
        c_tilde = np.tanh(x_t @ Wc + h @ Uc + bc)  # (7.17)
        c_new = f * c + i * c_tilde  # (7.18)
        o = F.logistic(x_t @ Wo + h @ Uo + Vo * c_new + bo)  # (7.16): sees c_t
        h_new = o * np.tanh(c_new)  # (7.19)
        steps.append((x_t, h, c, i, f, o, c_tilde, c_new))
        h, c = h_new, c_new
    out = np.stack([o * np.tanh(cn) for (_, _, _, _, _, o, _, cn) in steps], axis=1)
    return out, (W, U, b, V, steps)


def lstm_backward_reference(dh, cache):
    """BPTT through (7.14)–(7.19), one gate at a time.  Returns ``(dx, grads, dh0, dc0)``."""
    who = "lstm_backward_reference"
    W, U, b, V, steps = _cache(cache, 5, "lstm_forward_reference", who)
    H = U.shape[0]
    dh = _dh(dh, (steps[0][1].shape[0], len(steps), H), who)
    Wb = [W[:, k * H : (k + 1) * H] for k in range(4)]
    Ub = [U[:, k * H : (k + 1) * H] for k in range(4)]
    Vi, Vf, Vo = (np.zeros(H, dtype=W.dtype),) * 3 if V is None else (V[0], V[1], V[2])
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    dV = np.zeros((3, H), dtype=W.dtype)
    dxs = []
    dh_next = np.zeros_like(steps[0][1])
    dc_next = np.zeros_like(steps[0][2])
    for t in range(len(steps) - 1, -1, -1):
        x_t, h_prev, c_prev, i, f, o, c_tilde, c = steps[t]
        dh_t = dh[:, t] + dh_next
        tc = np.tanh(c)
        do = dh_t * tc  # (7.19)
        dzo = do * o * (1 - o)  # (7.16)
        dc = dc_next + dh_t * o * (1 - tc**2) + dzo * Vo  # (7.19) and the peephole of (7.16)
        dzi = dc * c_tilde * i * (1 - i)  # (7.18) → (7.14)
        dzf = dc * c_prev * f * (1 - f)  # (7.18) → (7.15)
        dzc = dc * i * (1 - c_tilde**2)  # (7.18) → (7.17)
        dz = [dzi, dzf, dzo, dzc]
        for k in range(4):
            sl = slice(k * H, (k + 1) * H)
            dW[:, sl] += x_t.T @ dz[k]
            dU[:, sl] += h_prev.T @ dz[k]
            db[sl] += dz[k].sum(axis=0)
        dV[0] += (dzi * c_prev).sum(axis=0)
        dV[1] += (dzf * c_prev).sum(axis=0)
        dV[2] += (dzo * c).sum(axis=0)
        dxs.append(sum(dz[k] @ Wb[k].T for k in range(4)))
        dh_next = sum(dz[k] @ Ub[k].T for k in range(4))
        dc_next = dc * f + dzi * Vi + dzf * Vf
    grads = {"W": dW, "U": dU, "b": db}
    if V is not None:
        grads["V"] = dV
    return np.stack(dxs[::-1], axis=1), grads, dh_next, dc_next


def lstm_step(x_t, h_prev, c_prev, W, U, b, V=None, *, xw_t=None):
    """One LSTM step, gate by gate as (7.14)–(7.19), plain logistic σ.

    x_t (N, D), h_prev and c_prev (N, H), W (D, 4H), U (H, 4H), b (4H,),
    V (3, H) or None (no peepholes); the blocks of W, U, b are
    [i, f, o, c̃].  ``xw_t``: x_t @ W + b (N, 4H) if already computed
    (`lstm_forward_vectorized` does it for all steps with one GEMM).
    Returns ``(h_t, c_t, (i, f, o, c̃))``: the gates, h_prev and c_prev
    are what a backward step needs.
    """
    args = _step_args(x_t, h_prev, c_prev, W, U, b, V, xw_t)
    x_t, h_prev, c_prev, W, U, b, V, xw_t = args
    H = U.shape[0]
    Vi, Vf, Vo = (0, 0, 0) if V is None else V  # peepholes
    if xw_t is None:
        xw_t = x_t @ W + b
    a = xw_t + h_prev @ U  # W x_t + U h_{t−1} + b: four blocks
    a_i, a_f, a_o, a_c = (a[:, k * H : (k + 1) * H] for k in range(4))
    i = F.logistic(a_i + Vi * c_prev)  # (7.14) input gate
    f = F.logistic(a_f + Vf * c_prev)  # (7.15) forget gate
    c_tilde = np.tanh(a_c)  # (7.17) candidate
    c_t = f * c_prev + i * c_tilde  # (7.18) new cell
    o = F.logistic(a_o + Vo * c_t)  # (7.16) output gate sees c_t
    h_t = o * np.tanh(c_t)  # (7.19)
    return h_t, c_t, (i, f, o, c_tilde)


def _step_args(x_t, h_prev, c_prev, W, U, b, V, xw_t):
    """The checked arguments of `lstm_step` (shapes named in errors)."""
    who = "lstm_step"
    x, W, U, b, V = _kernel_args(np.asarray(x_t)[:, None], W, U, b, 4, who, V)
    N, H = x.shape[0], U.shape[0]
    h_prev = _state(h_prev, N, H, x.dtype, "h_prev", who)
    c_prev = _state(c_prev, N, H, x.dtype, "c_prev", who)
    if xw_t is not None:
        xw_t = _shaped(xw_t, (N, 4 * H), "xw_t", who, "(N, 4·H)")
    return x[:, 0], h_prev, c_prev, W, U, b, V, xw_t


def lstm_forward_vectorized(x, W, U, b, V=None, h0=None, c0=None):
    """(7.14)–(7.19) for a batch of sequences, readable: one GEMM for W x_t + b of all steps,
    then `lstm_step` for t = 1..T.

    Arguments as `lstm_forward`.  Returns ``(h, cache)``, h (N, T, H); the cache has the form of
    `lstm_forward_reference`'s, so `lstm_backward_reference` differentiates it.
    """
    who = "lstm_forward_vectorized"
    x, W, U, b, V = _kernel_args(x, W, U, b, 4, who, V)
    N, T, D = x.shape
    h = _state(h0, N, U.shape[0], x.dtype, "h0", who)
    c = _state(c0, N, U.shape[0], x.dtype, "c0", who)
    xw = (x.reshape(N * T, D) @ W + b).reshape(N, T, -1)  # one GEMM for all steps
    steps, hs = [], []
    for t in range(T):
        h_t, c_t, (i, f, o, c_tilde) = lstm_step(x[:, t], h, c, W, U, b, V, xw_t=xw[:, t])
        steps.append((x[:, t], h, c, i, f, o, c_tilde, c_t))
        h, c = h_t, c_t
        hs.append(h_t)
    return np.stack(hs, axis=1), (W, U, b, V, steps)


def lstm_forward(x, W, U, b, V=None, h0=None, c0=None):
    """Fast (7.14)–(7.19): one input GEMM for all steps, one fused 4-gate GEMM per step.

    The gates use σ(z) = (1 + tanh(z/2))/2: with the i, f, o columns of W, U, b (and V) halved
    up front, one tanh call activates all four gates of a step.  x (N, T, D), W (D, 4H),
    U (H, 4H), b (4H,), V (3, H) or None, h0 and c0 (N, H) or None.  Returns ``(h, cache)``;
    nothing returned shares memory with a later call.
    """
    x, W, U, b, V = _kernel_args(x, W, U, b, 4, "lstm_forward", V)
    return _lstm_forward(x, W, U, b, V, h0, c0)


def lstm_backward(dh, cache):
    """Fast BPTT for (7.14)–(7.19): one GEMM per step, then one GEMM each for dW, dU, dx.

    ``cache`` from `lstm_forward`, dh (N, T, H).  Returns ``(dx, grads, dh0, dc0)``.
    """
    x, _, U, *_ = _cache(cache, 10, "lstm_forward", "lstm_backward")
    return _lstm_backward(_dh(dh, (*x.shape[:2], U.shape[0]), "lstm_backward"), cache)


def _lstm_forward(x, W, U, b, V=None, h0=None, c0=None, work=None):
    """The unchecked engine of `lstm_forward`; ``work``: see `_workspace_array`."""
    N, T, D = x.shape
    H = U.shape[0]
    dt = np.result_type(x, W)
    hs = np.empty((T + 1, N, H), dtype=dt)  # h_0..h_T, time major
    cs = _workspace_array(work, "cs", (T + 1, N, H), dt)
    hs[0] = _state(h0, N, H, dt, "h0", "lstm_forward")
    cs[0] = _state(c0, N, H, dt, "c0", "lstm_forward")
    gates = _workspace_array(work, "gates", (T, N, 4 * H), dt)  # activated [i, f, o, c̃]
    tcs = _workspace_array(work, "tcs", (T, N, H), dt)  # tanh(c_t)
    half = np.ones(4 * H, dtype=dt)
    half[: 3 * H] = 0.5  # z/2 for the σ gates, z for c̃
    xt = _time_major(x)
    xw = _input_projection(xt, W * half, b * half, T, work)  # (T, N, 4H)
    Uh = U * half
    peep = V is not None
    if peep:
        Vh = 0.5 * V
    ig = np.empty((N, H), dtype=dt)
    for t in range(T):
        a = np.matmul(hs[t], Uh, out=gates[t])  # one fused GEMM for the 4 gates
        a += xw[t]
        c_prev, c = cs[t], cs[t + 1]
        i, f, o, g = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        if peep:  # i, f see c_{t-1}; o waits for c_t
            i += Vh[0] * c_prev
            f += Vh[1] * c_prev
            np.tanh(a[:, : 2 * H], out=a[:, : 2 * H])
            np.tanh(g, out=g)
            s = a[:, : 2 * H]
        else:
            np.tanh(a, out=a)
            s = a[:, : 3 * H]
        s *= 0.5
        s += 0.5  # σ = (1 + tanh(z/2))/2
        np.multiply(f, c_prev, out=c)  # f ⊙ c_{t-1}
        c += np.multiply(i, g, out=ig)  # + i ⊙ c̃   (7.18)
        if peep:
            o += Vh[2] * c  # o sees c_t (7.16)
            np.tanh(o, out=o)
            o *= 0.5
            o += 0.5
        np.tanh(c, out=tcs[t])
        np.multiply(o, tcs[t], out=hs[t + 1])  # (7.19)
    h = hs[1:].transpose(1, 0, 2)
    return h, (x, W, U, b, V, hs, cs, gates, tcs, xt)


def _lstm_backward(dh, cache, work=None):
    """The unchecked engine of `lstm_backward`."""
    x, W, U, b, V, hs, cs, gates, tcs, xt = cache
    N, T, D = x.shape
    H = U.shape[0]
    dt = hs.dtype
    dht = dh.transpose(1, 0, 2)
    dz = _workspace_array(work, "dz", (T, N, 4 * H), dt)
    dh_next = np.zeros((N, H), dtype=dt)
    dc = np.zeros((N, H), dtype=dt)
    peep = V is not None
    tmp = np.empty((N, H), dtype=dt)
    UT = np.ascontiguousarray(U.T)  # a transposed view would send matmul off BLAS
    for t in range(T - 1, -1, -1):
        g = gates[t]
        i, f, o, ct = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        d = dz[t]
        dzi, dzf, dzo, dzc = d[:, :H], d[:, H : 2 * H], d[:, 2 * H : 3 * H], d[:, 3 * H :]
        dh_t = dh_next
        dh_t += dht[t]  # total ∂J/∂h_t
        tc = tcs[t]
        # output gate: dzo = dh ⊙ tanh(c) ⊙ o(1 − o)
        np.multiply(dh_t, tc, out=dzo)
        dzo *= o
        dzo *= 1.0 - o
        # cell: dc += dh ⊙ o ⊙ (1 − tanh²c) (+ V_o ⊙ dzo)
        np.multiply(tc, tc, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        tmp *= o
        tmp *= dh_t
        dc += tmp
        if peep:
            dc += V[2] * dzo
        # input gate, forget gate, candidate
        np.multiply(dc, ct, out=dzi)
        dzi *= i
        dzi *= 1.0 - i
        np.multiply(dc, cs[t], out=dzf)
        dzf *= f
        dzf *= 1.0 - f
        np.multiply(dc, i, out=dzc)
        dzc *= 1.0 - ct * ct
        dc *= f  # ∂J/∂c_{t-1}
        if peep:
            dc += V[0] * dzi
            dc += V[1] * dzf
        dh_next = np.matmul(d, UT, out=dh_t)  # one fused GEMM back through U
    flat = dz.reshape(T * N, 4 * H)
    dU = hs[:-1].reshape(T * N, H).T @ flat
    dW = xt.T @ flat
    db = flat.sum(axis=0)
    dx = (flat @ W.T).reshape(T, N, D).transpose(1, 0, 2)
    grads = {"W": dW, "U": dU, "b": db}
    if peep:
        grads["V"] = np.stack(
            [
                (dz[:, :, :H] * cs[:-1]).sum(axis=(0, 1)),
                (dz[:, :, H : 2 * H] * cs[:-1]).sum(axis=(0, 1)),
                (dz[:, :, 2 * H : 3 * H] * cs[1:]).sum(axis=(0, 1)),
            ]
        )
    return dx, grads, dh_next, dc


# ================================================================================== GRU (7.20)
def gru_forward_reference(x, W, U, b, h0=None):
    """(7.20)–(7.23) step by step: blocks [r, z, h̃] of the stacked parameters."""
    who = "gru_forward_reference"
    x, W, U, b, _ = _kernel_args(x, W, U, b, 3, who)
    N, T, _ = x.shape
    H = U.shape[0]
    Wr, Wz, Wc = (W[:, k * H : (k + 1) * H] for k in range(3))
    Ur, Uz, Uc = (U[:, k * H : (k + 1) * H] for k in range(3))
    br, bz, bc = (b[k * H : (k + 1) * H] for k in range(3))
    h = _state(h0, N, H, x.dtype, "h0", who)
    steps, out = [], []
    for t in range(T):
        x_t = x[:, t]
        r = F.logistic(x_t @ Wr + h @ Ur + br)  # (7.20)
        z = F.logistic(x_t @ Wz + h @ Uz + bz)  # (7.21)
        h_tilde = np.tanh(x_t @ Wc + (r * h) @ Uc + bc)  # (7.22): U(r ⊙ h_{t-1})
        h_new = z * h + (1 - z) * h_tilde  # (7.23)
        steps.append((x_t, h, r, z, h_tilde))
        out.append(h_new)
        h = h_new
    return np.stack(out, axis=1), (W, U, b, steps)


def gru_backward_reference(dh, cache):
    """BPTT through (7.20)–(7.23), one gate at a time.  Returns ``(dx, grads, dh0)``."""
    who = "gru_backward_reference"
    W, U, b, steps = _cache(cache, 4, "gru_forward_reference", who)
    H = U.shape[0]
    dh = _dh(dh, (steps[0][1].shape[0], len(steps), H), who)
    Wb = [W[:, k * H : (k + 1) * H] for k in range(3)]
    Ur, Uz, Uc = (U[:, k * H : (k + 1) * H] for k in range(3))
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    dxs = []
    dh_next = np.zeros_like(steps[0][1])
    for t in range(len(steps) - 1, -1, -1):
        x_t, h_prev, r, z, h_tilde = steps[t]
        dh_t = dh[:, t] + dh_next
        dzc = dh_t * (1 - z) * (1 - h_tilde**2)  # (7.23) → (7.22)
        dzz = dh_t * (h_prev - h_tilde) * z * (1 - z)  # (7.23) → (7.21)
        drh = dzc @ Uc.T  # ∂J/∂(r ⊙ h_{t-1})
        dzr = drh * h_prev * r * (1 - r)  # (7.22) → (7.20)
        rh = r * h_prev
        for k, (dzk, inp) in enumerate(((dzr, h_prev), (dzz, h_prev), (dzc, rh))):
            sl = slice(k * H, (k + 1) * H)
            dW[:, sl] += x_t.T @ dzk
            dU[:, sl] += inp.T @ dzk
            db[sl] += dzk.sum(axis=0)
        dxs.append(dzr @ Wb[0].T + dzz @ Wb[1].T + dzc @ Wb[2].T)
        dh_next = dh_t * z + drh * r + dzr @ Ur.T + dzz @ Uz.T
    return np.stack(dxs[::-1], axis=1), {"W": dW, "U": dU, "b": db}, dh_next


def gru_forward(x, W, U, b, h0=None):
    """Fast (7.20)–(7.23): one input GEMM, per step one fused [r, z] GEMM and one for U_c(r ⊙ h).

    x (N, T, D), W (D, 3H), U (H, 3H), b (3H,), h0 (N, H) or None.  Returns ``(h, cache)``;
    nothing returned shares memory with a later call.
    """
    x, W, U, b, _ = _kernel_args(x, W, U, b, 3, "gru_forward")
    return _gru_forward(x, W, U, b, h0)


def gru_backward(dh, cache):
    """Fast BPTT for (7.20)–(7.23): two GEMMs per step (U_cᵀ, then [U_r U_z]ᵀ), then one each.

    ``cache`` from `gru_forward`, dh (N, T, H).  Returns ``(dx, grads, dh0)``.
    """
    x, _, U, *_ = _cache(cache, 8, "gru_forward", "gru_backward")
    return _gru_backward(_dh(dh, (*x.shape[:2], U.shape[0]), "gru_backward"), cache)


def _gru_forward(x, W, U, b, h0=None, work=None):
    """The unchecked engine of `gru_forward`; ``work``: see `_workspace_array`."""
    N, T, D = x.shape
    H = U.shape[0]
    dt = np.result_type(x, W)
    hs = np.empty((T + 1, N, H), dtype=dt)
    hs[0] = _state(h0, N, H, dt, "h0", "gru_forward")
    gates = _workspace_array(work, "gates", (T, N, 3 * H), dt)  # activated [r, z, h̃]
    rhs = _workspace_array(work, "rhs", (T, N, H), dt)  # r ⊙ h_{t-1}
    xt = _time_major(x)
    xw = _input_projection(xt, W, b, T, work)  # (T, N, 3H)
    Urz, Uc = np.ascontiguousarray(U[:, : 2 * H]), np.ascontiguousarray(U[:, 2 * H :])
    for t in range(T):
        g = gates[t]
        h_prev = hs[t]
        rz = np.matmul(h_prev, Urz, out=g[:, : 2 * H])  # fused gate GEMM for r and z
        rz += xw[t, :, : 2 * H]
        _sigmoid(rz, out=rz)
        np.multiply(g[:, :H], h_prev, out=rhs[t])
        n = np.matmul(rhs[t], Uc, out=g[:, 2 * H :])  # U_c (r ⊙ h_{t-1}), (7.22)
        n += xw[t, :, 2 * H :]
        np.tanh(n, out=n)
        hn = hs[t + 1]  # (7.23): n + z ⊙ (h_{t-1} − n)
        np.subtract(h_prev, n, out=hn)
        hn *= g[:, H : 2 * H]
        hn += n
    return hs[1:].transpose(1, 0, 2), (x, W, U, b, hs, gates, rhs, xt)


def _gru_backward(dh, cache, work=None):
    """The unchecked engine of `gru_backward`."""
    x, W, U, b, hs, gates, rhs, xt = cache
    N, T, D = x.shape
    H = U.shape[0]
    dt = hs.dtype
    dht = dh.transpose(1, 0, 2)
    dz = _workspace_array(work, "dz", (T, N, 3 * H), dt)
    dh_next = np.zeros((N, H), dtype=dt)
    UcT, UrzT = np.ascontiguousarray(U[:, 2 * H :].T), np.ascontiguousarray(U[:, : 2 * H].T)
    drh = np.empty((N, H), dtype=dt)
    for t in range(T - 1, -1, -1):
        g = gates[t]
        r, z, n = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
        h_prev = hs[t]
        d = dz[t]
        dzr, dzz, dzc = d[:, :H], d[:, H : 2 * H], d[:, 2 * H :]
        dh_t = dh_next
        dh_t += dht[t]
        np.subtract(1.0, z, out=dzc)
        dzc *= dh_t
        dzc *= 1.0 - n * n
        np.subtract(h_prev, n, out=dzz)
        dzz *= dh_t
        dzz *= z
        dzz *= 1.0 - z
        np.matmul(dzc, UcT, out=drh)
        np.multiply(drh, h_prev, out=dzr)
        dzr *= r
        dzr *= 1.0 - r
        dh_t *= z  # ∂h_t/∂h_{t-1} through z ⊙ h_{t-1}
        drh *= r
        dh_t += drh
        dh_t += d[:, : 2 * H] @ UrzT  # fused GEMM back through U_r, U_z
        dh_next = dh_t
    flat = dz.reshape(T * N, 3 * H)
    dU = np.empty_like(U)
    dU[:, : 2 * H] = hs[:-1].reshape(T * N, H).T @ flat[:, : 2 * H]
    dU[:, 2 * H :] = rhs.reshape(T * N, H).T @ flat[:, 2 * H :]
    dW = xt.T @ flat
    db = flat.sum(axis=0)
    dx = (flat @ W.T).reshape(T, N, D).transpose(1, 0, 2)
    return dx, {"W": dW, "U": dU, "b": db}, dh_next


# ===================================================================================== layers
class _Recurrent(Layer):
    """Shared parts of the three layers: an `nndl.nn.Layer`, so it inherits the thread guard
    (one layer object used by two threads at once raises RuntimeError; give each thread a
    ``copy.deepcopy``).  ``dtype`` must be a floating dtype (TypeError otherwise)."""

    gates = 1
    regularized = ("W", "U")

    def __init__(self, input_size, hidden_size, rng, dtype, reference):
        super().__init__()
        self.input_size = _count(input_size, "input_size")
        self.hidden_size = _count(hidden_size, "hidden_size")
        dtype = as_float_dtype(dtype)
        self.reference = bool(reference)
        rng = np.random.default_rng(rng)
        D, H, G = self.input_size, self.hidden_size, self.gates
        s = 1.0 / np.sqrt(H)  # U(−1/√H, 1/√H), as PyTorch
        self.params = {
            "W": rng.uniform(-s, s, (D, G * H)).astype(dtype),
            "U": rng.uniform(-s, s, (H, G * H)).astype(dtype),
            "b": np.zeros(G * H, dtype=dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._rng = rng  # for subclasses' extra parameters
        self._cache = None
        self._work = {}  # scratch arrays reused between calls
        self.dh0 = None

    def _input(self, x):
        return _sequences(x, self.input_size, f"{type(self).__name__}({self.input_size}, {self.hidden_size})")

    def _set_grads(self, grads):
        for k, v in grads.items():
            self.grads[k] = v.astype(self.params[k].dtype, copy=False)

    def _check_backward(self, dh):
        self._cached("_cache")  # RuntimeError before any forward
        return _dh(dh, self._out_shape, f"{type(self).__name__}.backward")

    def __call__(self, x, *args, **kwargs):
        return self.forward(x, *args, **kwargs)

    @property
    def num_params(self) -> int:
        return int(sum(v.size for v in self.params.values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"


class SRN(_Recurrent):
    """Simple recurrent (Elman) network h_t = f(U h_{t−1} + W x_t + b), eq. (7.2).

    ``activation``: "tanh" (default), "logistic", "relu" or "linear".  ``reference=True`` runs
    the per-step reference kernels instead of the fast ones (same numbers, slower).
    """

    gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        activation: str = "tanh",
        rng=None,
        dtype=np.float64,
        reference: bool = False,
    ) -> None:
        _activation(activation, "SRN")
        self.activation = activation
        super().__init__(input_size, hidden_size, rng, dtype, reference)

    def forward(self, x, h0=None):
        x = self._input(x)
        _activation(self.activation, "SRN")  # it may have been reassigned
        W, U, b = _unpack(self.params, "WUb")
        if self.reference:
            h, self._cache = srn_forward_reference(x, W, U, b, h0, self.activation)
        else:
            h, self._cache = _srn_forward(x, W, U, b, h0, self.activation, self._work)
        self._out_shape = h.shape
        return h

    def backward(self, dh):
        dh = self._check_backward(dh)
        if self.reference:
            dx, grads, self.dh0 = srn_backward_reference(dh, self._cache)
        else:
            dx, grads, self.dh0 = _srn_backward(dh, self._cache, self._work)
        self._set_grads(grads)
        return dx

    def __repr__(self) -> str:
        return f"SRN({self.input_size}, {self.hidden_size}, activation={self.activation!r})"


class LSTM(_Recurrent):
    """Long short-term memory, eqs. (7.14)–(7.19) [Hochreiter and Schmidhuber, 1997].

    Stacked blocks [i, f, o, c̃]; ``peephole=True`` (the draft's form) adds ``V`` (3, H), the
    diagonals of V_i, V_f, V_o.  ``forget_bias`` initialises b_f (beyond the draft; 1.0 makes the
    memory keep its content at the start of training).  ``forward(x, h0=None, c0=None)``;
    after ``backward`` the gradients of the initial state are in ``dh0`` and ``dc0``.
    """

    gates = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        peephole: bool = True,
        forget_bias: float = 0.0,
        rng=None,
        dtype=np.float64,
        reference: bool = False,
    ) -> None:
        super().__init__(input_size, hidden_size, rng, dtype, reference)
        self.peephole = bool(peephole)
        H = self.hidden_size
        self.params["b"][H : 2 * H] = _real_number(forget_bias, "forget_bias")
        if self.peephole:
            s = 1.0 / np.sqrt(H)
            self.params["V"] = self._rng.uniform(-s, s, (3, H)).astype(self.params["W"].dtype)
            self.grads["V"] = np.zeros_like(self.params["V"])
        self.dc0 = None

    def forward(self, x, h0=None, c0=None):
        x = self._input(x)
        W, U, b = _unpack(self.params, "WUb")
        V = self.params.get("V")
        if self.reference:
            h, self._cache = lstm_forward_reference(x, W, U, b, V, h0, c0)
        else:
            h, self._cache = _lstm_forward(x, W, U, b, V, h0, c0, self._work)
        self._out_shape = h.shape
        return h

    def backward(self, dh):
        dh = self._check_backward(dh)
        if self.reference:
            dx, grads, self.dh0, self.dc0 = lstm_backward_reference(dh, self._cache)
        else:
            dx, grads, self.dh0, self.dc0 = _lstm_backward(dh, self._cache, self._work)
        self._set_grads(grads)
        return dx

    def gate_values(self) -> dict:
        """The activated gates of the last forward pass, (7.14)–(7.17), whichever kernel ran it.

        ``{"i": …, "f": …, "o": …, "c~": …}``, each (N, T, H): input, forget and output gates and
        the candidate c̃_t.  Copies, so later calls never change them.
        """
        if self._cache is None:
            raise RuntimeError("LSTM.gate_values called before forward")
        if self.reference:
            steps = self._cache[4]  # per step (x_t, h, c, i, f, o, c̃, c_new)
            blocks = [np.stack([step[k] for step in steps], axis=1) for k in (3, 4, 5, 6)]
        else:
            H, gates = self.hidden_size, self._cache[7]  # (T, N, 4H), time-major
            blocks = [gates[..., k * H : (k + 1) * H].transpose(1, 0, 2).copy() for k in range(4)]
        return dict(zip(("i", "f", "o", "c~"), blocks))

    def __repr__(self) -> str:
        return f"LSTM({self.input_size}, {self.hidden_size}, peephole={self.peephole})"


class GRU(_Recurrent):
    """Gated recurrent unit, eqs. (7.20)–(7.23) [Cho et al., 2014; Chung et al., 2014].

    Stacked blocks [r, z, h̃]; the reset gate multiplies h_{t−1} before U_c, as in (7.22).
    ``update_bias`` initialises b_z (beyond the draft): with (7.23)'s convention a positive
    value starts z_t near 1, i.e. the unit keeps h_{t−1}, like the LSTM's ``forget_bias``.
    """

    gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        update_bias: float = 0.0,
        rng=None,
        dtype=np.float64,
        reference: bool = False,
    ) -> None:
        super().__init__(input_size, hidden_size, rng, dtype, reference)
        H = self.hidden_size
        self.params["b"][H : 2 * H] = _real_number(update_bias, "update_bias")

    def forward(self, x, h0=None):
        x = self._input(x)
        W, U, b = _unpack(self.params, "WUb")
        if self.reference:
            h, self._cache = gru_forward_reference(x, W, U, b, h0)
        else:
            h, self._cache = _gru_forward(x, W, U, b, h0, self._work)
        self._out_shape = h.shape
        return h

    def backward(self, dh):
        dh = self._check_backward(dh)
        if self.reference:
            dx, grads, self.dh0 = gru_backward_reference(dh, self._cache)
        else:
            dx, grads, self.dh0 = _gru_backward(dh, self._cache, self._work)
        self._set_grads(grads)
        return dx


class LastStep(Layer):
    """(N, T, H) → (N, H): the last hidden state h_T of (7.2), to put a `nndl.nn.Dense` head on it."""

    def __init__(self) -> None:
        super().__init__()
        self._shape = None

    def forward(self, h):
        h = as_real_array(h, "h")
        if h.ndim != 3 or h.shape[1] == 0:
            raise ValueError(
                f"LastStep expects hidden states of shape (N, T, H) with T >= 1, got shape {h.shape}"
            )
        self._shape, self._dtype = h.shape, h.dtype
        return h[:, -1]

    def backward(self, dy):
        N, T, H = self._cached("_shape")
        dy = self._check_dy(dy, (N, H), "LastStep")
        dh = np.zeros(self._shape, dtype=np.result_type(dy, self._dtype))
        dh[:, -1] = dy
        return dh

    def __repr__(self) -> str:
        return "LastStep()"


# ============================================================ gradient clipping (beyond the draft)
def _grad_arrays(grads, who: str) -> dict:
    """``grads`` (a dict name -> array) with every value as a real array; TypeError otherwise."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"{who}: grads must be a dict name -> array, got {type(grads).__name__}")
    return {name: as_real_array(g, f"grads[{name!r}]") for name, g in grads.items()}


def _max_abs(arrays: dict) -> np.ndarray:
    """max |g| of every array (NaN if it holds a NaN), as one float64 array."""
    return np.array([np.max(np.abs(g)) if g.size else 0.0 for g in arrays.values()], np.float64)


def global_norm(grads) -> float:
    """‖g‖ = √(Σ over all arrays of Σ g²): the norm of all gradients as one long vector (section 7.1.2).

    Computed as m·√(Σ (g/m)²) with m = max |g|, so it neither overflows (gradients of 1e300)
    nor underflows (1e-300).  NaN if a gradient holds NaN, inf if one holds ±inf.
    """
    arrays = _grad_arrays(grads, "global_norm")
    m = float(np.max(_max_abs(arrays), initial=0.0))
    if m == 0.0 or not np.isfinite(m):
        return m
    total = sum(float(np.sum(np.square(np.divide(g, m, dtype=np.float64)))) for g in arrays.values())
    return m * float(np.sqrt(total))


def clip_grad_norm(grads, max_norm: float):
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    g ← g · max_norm/‖g‖ when ‖g‖ > max_norm [Pascanu et al., 2013]: the direction is kept, only
    the step length is capped, so one exploding gradient cannot throw the parameters far away.
    Beyond the draft.  Changes the (floating) arrays in place and returns the norm *before*
    clipping.  A gradient holding NaN or ±inf cannot be clipped: ValueError naming it.
    """
    max_norm = _real_number(max_norm, "max_norm", positive=True)
    arrays = _grad_arrays(grads, "clip_grad_norm")
    for name, g in grads.items():
        if not (isinstance(g, np.ndarray) and g.dtype.kind == "f"):
            got = g.dtype if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(
                f"clip_grad_norm: grads[{name!r}] must be a floating NumPy array "
                f"(it is scaled in place), got {got}"
            )
    bad = np.flatnonzero(~np.isfinite(_max_abs(arrays)))
    if bad.size:
        name = list(arrays)[bad[0]]
        g = arrays[name]
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(g))[0])
        raise ValueError(
            f"clip_grad_norm: grads[{name!r}] holds {g[index]} at index {index}; "
            f"a non-finite gradient cannot be clipped (the training has diverged: "
            f"try a smaller learning rate)"
        )
    norm = global_norm(arrays)
    if norm > max_norm:
        scale = max_norm / norm
        for g in arrays.values():
            g *= scale
    return norm


# ========================================================================= the chapter's stories
def _square(U, who: str) -> np.ndarray:
    U = as_real_array(U, "U")
    if U.ndim != 2 or U.shape[0] != U.shape[1] or U.shape[0] == 0:
        raise ValueError(f"{who}: U must be a square matrix of shape (H, H), got shape {U.shape}")
    return U.astype(np.float64, copy=False)


def with_spectral_radius(U, rho: float) -> np.ndarray:
    """U (H, H) scaled so that its spectral radius (largest |eigenvalue|) is ``rho`` > 0.

    ρ(U) decides whether the products (7.9)–(7.10) vanish or explode.
    """
    U = require_finite(_square(U, "with_spectral_radius"), "U")
    rho = _real_number(rho, "rho", positive=True)
    radius = np.max(np.abs(np.linalg.eigvals(U)))
    if radius == 0:
        raise ValueError(
            "with_spectral_radius: U has spectral radius 0 (all its eigenvalues are "
            "0, e.g. U = 0 or nilpotent): no scaling can give it radius rho"
        )
    return U * (rho / radius)


def jacobian_norms(U, inputs, h0=None, activation="tanh"):
    """‖∂h_t/∂h_0‖₂ for t = 1..T along one trajectory of h_t = f(U h_{t−1} + u_t), (7.6)–(7.7).

    ``inputs`` (T, H) are the input terms u_t = W x_t + b already projected (one sequence);
    U (H, H) is in the code's row layout, h0 (H,) or None.  Returns ``(norms, bounds)``: the
    spectral norm of the product (7.6) of the factors Uᵀdiag(f′(z_i)) ((7.7) corrected,
    erratum 57; `nndl.draft.jacobian_norms_77` uses the printed one) and the bound
    Π‖∂h_i/∂h_{i−1}‖ of (7.9)–(7.10) along the same trajectory.
    """
    _, fprime = _activation(activation, "jacobian_norms")
    return _jacobian_norms(U, inputs, h0, activation, "jacobian_norms", lambda h_prev, a: fprime(a))


def _jacobian_norms(U, inputs, h0, activation, who: str, derivative):
    """`jacobian_norms` with the diagonal of each factor U diag(d_i) given by
    ``derivative(h_{i−1}, h_i)`` (shared with the printed reading in `nndl.draft`)."""
    f, _ = _activation(activation, who)
    U = _square(U, who)
    Hd = U.shape[0]
    inputs = as_real_array(inputs, "inputs")
    if inputs.ndim != 2 or inputs.shape[1] != Hd:
        raise ValueError(
            f"{who}: inputs must have shape (T, H) with H = {Hd} (from U), got shape {inputs.shape}"
        )
    h = np.zeros(Hd) if h0 is None else _shaped(h0, (Hd,), "h0", who, "(H,)").astype(np.float64)
    J = np.eye(Hd)
    norms, bounds, bound = [], [], 1.0
    for u in inputs.astype(np.float64, copy=False):
        a = f(h @ U + u)
        step = U * derivative(h, a)[None, :]
        J = J @ step
        bound *= np.linalg.norm(step, 2)
        norms.append(np.linalg.norm(J, 2))
        bounds.append(bound)
        h = a
    return np.array(norms), np.array(bounds)


def additive_state(x, W, activation="tanh"):
    """The gate-free memory (7.12)–(7.13): c_t = c_{t−1} + W g(x_t), h_t = tanh(c_t).

    ``x`` (N, T, D), W in row layout (D, H).  Returns ``(c, h)``, both (N, T, H).  Without a
    forget gate c_t is a running sum, so ‖c_t‖ grows without bound (like √t for zero-mean input,
    like t otherwise) and h_t = tanh(c_t) saturates at ±1.
    """
    g, _ = _activation(activation, "additive_state")
    x = _sequences(x, None, "additive_state")
    W = as_real_array(W, "W")
    if W.ndim != 2 or W.shape[0] != x.shape[2]:
        raise ValueError(
            f"additive_state: W must have shape (D, H) with D = {x.shape[2]} (from x), got shape {W.shape}"
        )
    c = np.cumsum(g(x) @ W, axis=1)
    return c, np.tanh(c)


def gradient_flow_runs(
    rhos=(0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0),
    hidden: int = 32,
    steps: int = 60,
    input_scale: float = 0.5,
    rng=0,
):
    """‖∂h_t/∂h_0‖₂ of an SRN for U scaled to each spectral radius ρ (one random U, same seed).

    For each ρ: the linear network (f(z) = z: the norm follows ρ^t up to a constant), the tanh
    network driven by inputs u_t ~ N(0, input_scale²), and for tanh the bound
    Π‖∂h_i/∂h_{i−1}‖ of (7.9)–(7.10) along the same trajectory.  Returns a list of dicts
    with keys rho, linear, tanh, bound (arrays of length ``steps``).
    """
    g = np.random.default_rng(rng)
    U0 = g.standard_normal((hidden, hidden))
    inputs = input_scale * g.standard_normal((steps, hidden))
    runs = []
    for rho in rhos:
        U = with_spectral_radius(U0, float(rho))
        linear, _ = jacobian_norms(U, np.zeros((steps, hidden)), activation="linear", h0=np.zeros(hidden))
        tanh, bound = jacobian_norms(U, inputs, activation="tanh")
        runs.append({"rho": float(rho), "linear": linear, "tanh": tanh, "bound": bound})
    return runs


# ============================================================================ training helpers
def blas_threads(n):
    """A context that limits the BLAS thread pool to ``n`` threads (no-op without threadpoolctl); not in
    the draft.

    ``with rnn.blas_threads(1): ...`` runs NumPy's matrix products single-threaded; ``None``
    changes nothing.  threadpoolctl comes with scikit-learn.
    """
    import contextlib

    if n is None:
        return contextlib.nullcontext()
    n = _count(n, "n")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: scikit-learn brings it
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def recall_task(n: int, lag: int, symbols: int = 4, rng=None, dtype=np.float64):
    """A long-lag memory task (a long-term dependency, the problem of section 7.1.1): name the first symbol
    of a sequence after ``lag`` steps.

    Every step shows a random symbol out of ``symbols`` (one-hot on channels 1..symbols); channel 0
    is a marker that is 1 at the first step only.  The label is the symbol shown with the marker,
    so the network must keep it for ``lag`` − 1 steps while new symbols keep arriving on the same
    channels.  Chance accuracy is 1/symbols.  Returns ``(X, y)``: X (n, lag, 1 + symbols) and
    y (n,) int64.
    """
    n, lag, symbols = _count(n, "n"), _count(lag, "lag"), _count(symbols, "symbols")
    dtype = as_float_dtype(dtype)
    rng = np.random.default_rng(rng)
    s = rng.integers(0, symbols, size=(n, lag))
    X = np.zeros((n, lag, 1 + symbols), dtype=dtype)
    X[np.arange(n)[:, None], np.arange(lag)[None, :], 1 + s] = 1.0
    X[:, 0, 0] = 1.0
    return X, s[:, 0].astype(np.int64)
