"""The draft's formulas evaluated literally, as printed or corrected (see the errata page).

The chapter modules compute every quantity the fast way, in the code's batch-first layout.  This
module keeps the other reading: each function transcribes one printed equation of the 2015
draft, with its 1-based indices, its single sample and its explicit sums, so that a test or a
notebook can put the printed formula next to the fast one.  Where the draft is wrong, a
keyword-only ``printed=True`` evaluates the formula as printed and the default its correction;
each docstring names the equation and the erratum number of `notebooks/errata.ipynb`.

- chapter 6 (one sample, one map pair, draft filters: the ⊗ convention of (6.2), which is
  cross-correlation with rot180 of `nndl.conv.Conv2D`'s ``W``): `filter_grad_622`,
  `filter_grad_623`, `filter_grad_624`, `bias_grad_625`, `conv_delta_621`,
  `pool_delta_629`, `subsampling_grads_630`;
- chapter 7 (a simple recurrent network h_t = f(U h_{t−1} + W x_t + b)): `bptt_literal`, the
  double sum (7.5)/(7.8) with every Jacobian product (7.6) formed, and `jacobian_norms_77`,
  the norms ‖∂h_t/∂h_0‖ with the printed factor (7.7).

These are checks, not kernels: loops over every index, O(T²H³) for BPTT.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import as_count as _int
from ._validation import as_real_array
from .conv import avg_pool2d_reference, convolve2d, rot180
from .rnn import _activation, _dh, _jacobian_norms, _kernel_args, _state

__all__ = [
    "conv_delta_621",
    "filter_grad_622",
    "filter_grad_623",
    "filter_grad_624",
    "bias_grad_625",
    "pool_delta_629",
    "subsampling_grads_630",
    "bptt_literal",
    "jacobian_norms_77",
]


# ------------------------------------------------------------------ chapter 6: the checks
def _map(a, name: str) -> np.ndarray:
    a = as_real_array(a, name)
    if a.ndim != 2 or 0 in a.shape:
        raise ValueError(f"{name} must be a 2-D map (rows, cols) of one sample, got shape {a.shape}")
    return a


def _filter_grad_args(X, delta, u, v):
    """Checked X, δ and filter size u×v of (6.22)/(6.23): X is (w_l + u − 1, h_l + v − 1)."""
    X, delta = _map(X, "X"), _map(delta, "delta")
    u, v = _int(u, "u", 1), _int(v, "v", 1)
    expected = (delta.shape[0] + u - 1, delta.shape[1] + v - 1)
    if X.shape != expected:
        raise ValueError(
            f"X must have shape (w_l + u − 1, h_l + v − 1) = {expected} for delta of "
            f"shape (w_l, h_l) = {delta.shape} and a {u}×{v} filter, got {X.shape}"
        )
    return X, delta, u, v


def _down_shape(fprime_shape, size, name: str, delta_shape):
    """Checked ``size``; δ of the subsampled layer must have shape (H // size, W // size)."""
    size = _int(size, "size", 1)
    expected = (fprime_shape[0] // size, fprime_shape[1] // size)
    if delta_shape != expected:
        raise ValueError(
            f"{name} must have shape (H // size, W // size) = {expected} for maps of "
            f"shape (H, W) = {fprime_shape} and size {size}, got {delta_shape}"
        )
    return size


def conv_delta_621(fprime_Z, delta_next, w_next: float, size: int = 2) -> np.ndarray:
    """(6.20)–(6.21), corrected (erratum 53): δ of a conv layer l followed by average subsampling.

    δ^(l,k) = f′(Z^(l,k)) ⊙ up(w^(l+1,k) δ^(l+1,k)), where up copies δ/|R| to every pixel of
    the region R (the draft never defines up(); the 1/|R| of average pooling is erratum 53).
    ``fprime_Z`` (H, W), ``delta_next`` (H // size, W // size), ``w_next`` a number.
    """
    fprime_Z, delta_next = _map(fprime_Z, "fprime_Z"), _map(delta_next, "delta_next")
    size = _down_shape(fprime_Z.shape, size, "delta_next", delta_next.shape)
    if isinstance(w_next, (bool, np.bool_)) or not isinstance(w_next, numbers.Real):
        raise TypeError(f"w_next must be a real number (the weight w^(l+1,k)), got {w_next!r}")
    up = np.kron(w_next * delta_next, np.ones((size, size))) / size**2
    out = np.zeros_like(fprime_Z, dtype=np.result_type(fprime_Z, up))
    out[: up.shape[0], : up.shape[1]] = up
    return fprime_Z * out


def filter_grad_622(X, delta, u: int, v: int) -> np.ndarray:
    """(6.22) as printed (correct): ∂J/∂W_ij = Σ_{s=1}^{w_l} Σ_{t=1}^{h_l} X_{s−i+u, t−j+v} δ_{s,t}.

    For i ≤ u, j ≤ v.  ``X`` (w_l + u − 1, h_l + v − 1) is the layer's input map, ``delta``
    (w_l, h_l) its δ; returns the u×v gradient of the draft filter.
    """
    X, delta, u, v = _filter_grad_args(X, delta, u, v)
    wl, hl = delta.shape
    g = np.zeros((u, v), dtype=np.result_type(X, delta))
    for i in range(1, u + 1):
        for j in range(1, v + 1):
            for s in range(1, wl + 1):
                for t in range(1, hl + 1):
                    g[i - 1, j - 1] += X[s - i + u - 1, t - j + v - 1] * delta[s - 1, t - 1]
    return g


def filter_grad_623(X, delta, u: int, v: int, *, printed: bool = False) -> np.ndarray:
    """(6.23), the filter gradient written with rot180(δ); corrected by default (erratum 54).

    Corrected: ∂J/∂W_ij = Σ_s Σ_t X_{(w_l+u−i+1)−s, (h_l+v−j+1)−t} · rot180(δ)_{s,t}.
    ``printed=True`` uses the printed indices X_{(u−i)−s, (v−j)−t}, which are ≤ 0: it raises
    IndexError at the first index outside 1..size, naming it.  Shapes as in `filter_grad_622`.
    """
    X, delta, u, v = _filter_grad_args(X, delta, u, v)
    wl, hl = delta.shape
    rd = rot180(delta)
    g = np.zeros((u, v), dtype=np.result_type(X, delta))
    for i in range(1, u + 1):
        for j in range(1, v + 1):
            for s in range(1, wl + 1):
                for t in range(1, hl + 1):
                    if printed:
                        r, c = (u - i) - s, (v - j) - t
                    else:
                        r, c = (wl + u - i + 1) - s, (hl + v - j + 1) - t
                    if not (1 <= r <= X.shape[0] and 1 <= c <= X.shape[1]):
                        raise IndexError(
                            f"(6.23) as printed asks for X[{r}, {c}] (1-based) at "
                            f"i={i}, j={j}, s={s}, t={t}: outside 1..{X.shape[0]}"
                        )
                    g[i - 1, j - 1] += X[r - 1, c - 1] * rd[s - 1, t - 1]
    return g


def filter_grad_624(X, delta) -> np.ndarray:
    """(6.24) as printed (correct): ∂J/∂W = rot180(X ⊗ rot180(δ)), a narrow convolution.

    ``X`` and ``delta`` are 2-D maps of one sample, δ no larger than X.
    """
    X, delta = _map(X, "X"), _map(delta, "delta")
    if delta.shape[0] > X.shape[0] or delta.shape[1] > X.shape[1]:
        raise ValueError(f"delta {delta.shape} is larger than X {X.shape}: (6.24) is a narrow convolution")
    return np.ascontiguousarray(rot180(convolve2d(X, np.ascontiguousarray(rot180(delta)), "valid")))


def bias_grad_625(delta) -> float:
    """(6.25) and (6.31) as printed (correct): ∂J/∂b = Σ_ij δ_ij over one map."""
    return float(np.sum(as_real_array(delta, "delta")))


def pool_delta_629(fprime_Z, deltas_next, W_next, table=None, k: int = 0) -> np.ndarray:
    """(6.28)–(6.29) corrected (erratum 55): δ of a subsampling layer followed by a conv layer.

    δ^(l,k) = f′(Z^(l,k)) ⊙ Σ_{q: T_kq = 1} δ^(l+1,q) ⊗̃ rot180(W^(l+1,q,k)): the sum runs over
    the maps q of layer l+1 that use map k.  ``deltas_next`` (Q, h, w): the next layer's δ maps
    of one sample; ``W_next`` (Q, P, u, v): its draft filters (⊗ convention); ``table`` (P, Q)
    booleans or None (all connected); ``fprime_Z`` (h + u − 1, w + v − 1); ``k`` < P.
    """
    fprime_Z = _map(fprime_Z, "fprime_Z")
    deltas_next, W_next = as_real_array(deltas_next, "deltas_next"), as_real_array(W_next, "W_next")
    if deltas_next.ndim != 3 or 0 in deltas_next.shape:
        raise ValueError(f"deltas_next must have shape (Q, h, w), got {deltas_next.shape}")
    if W_next.ndim != 4 or 0 in W_next.shape:
        raise ValueError(f"W_next must have shape (Q, P, u, v), got {W_next.shape}")
    Q, P = W_next.shape[:2]
    if deltas_next.shape[0] != Q:
        raise ValueError(f"W_next has Q = {Q} maps but deltas_next (Q, h, w) has Q = {deltas_next.shape[0]}")
    expected = (deltas_next.shape[1] + W_next.shape[2] - 1, deltas_next.shape[2] + W_next.shape[3] - 1)
    if fprime_Z.shape != expected:
        raise ValueError(
            f"fprime_Z must have shape (h + u − 1, w + v − 1) = {expected}, got {fprime_Z.shape}"
        )
    k = _int(k, "k", 0)
    if k >= P:
        raise ValueError(f"k must index one of the P = {P} input maps (0..{P - 1}), got {k}")
    if table is not None and np.shape(table) != (P, Q):
        raise ValueError(f"table must have shape (P, Q) = {(P, Q)}, got {np.shape(table)}")
    acc = 0.0
    for q in range(Q):
        if table is not None and not table[k, q]:
            continue
        acc = acc + convolve2d(deltas_next[q], np.ascontiguousarray(rot180(W_next[q, k])), "full")
    return fprime_Z * acc


def subsampling_grads_630(X_prev, delta, size: int = 2):
    """(6.30)–(6.31) as printed (correct; erratum 56 is in the text before them): one map's
    (∂J/∂w, ∂J/∂b) = (Σ_ij (down(X^(l−1,k)) ⊙ δ^(l,k))_ij, Σ_ij δ_ij).

    down averages each size×size region; ``delta`` has shape (H // size, W // size).
    """
    X_prev, delta = _map(X_prev, "X_prev"), _map(delta, "delta")
    size = _down_shape(X_prev.shape, size, "delta", delta.shape)
    down = avg_pool2d_reference(X_prev[None, None], size)[0, 0]
    return float(np.sum(down * delta)), float(np.sum(delta))


# ------------------------------------------------------------------ chapter 7: the checks
def _derivative_at_argument(f, fprime):
    """The printed (7.7) read literally: f′ evaluated at the argument h_{i−1} (erratum 57).

    `nndl.rnn.ACTIVATIONS` give f′ from the output a = f(z), so f′ at u is fprime(f(u)).
    """
    return lambda h_prev, a: fprime(f(h_prev))


def bptt_literal(x, W, U, b, dh, h0=None, activation="tanh", *, printed: bool = False):
    """∂J/∂U of an SRN by the double sum (7.5)/(7.8), every Jacobian product (7.6) formed.

    For every sample, every t and every k ≤ t: ∂h_t/∂h_k = Π_{i=k+1}^{t} ∂h_i/∂h_{i−1} (7.6), a
    product of H × H matrices in denominator layout taken from left (i = k+1) to right (i = t);
    each factor is Uᵀdiag(f′(z_i)), z_i = U h_{i−1} + W x_i + b ((7.7) corrected, erratum 57; in
    the code's row layout ``U_code @ diag(f′(z_i))``).  ``printed=True`` uses the printed
    diag(f′(h_{i−1})) read literally: f′ evaluated at h_{i−1} (tanh: 1 − tanh²(h_{i−1})).
    The immediate ∂h_k/∂U contributes h_{k−1}(f′(z_k) ⊙ ·)ᵀ.  ``dh`` holds ∂J_t/∂h_t (N, T, H)
    (the draft's ∂y_t/∂h_t ∂J_t/∂y_t); x (N, T, D), W (D, H), U (H, H), b (H,) in the code's
    layout (`nndl.rnn.srn_forward`).  O(T²H³) per sample.  Returns ∂J/∂U (H, H), row layout.
    """
    who = "bptt_literal"
    x, W, U, b, _ = _kernel_args(x, W, U, b, 1, who)
    f, fprime = _activation(activation, who)
    factor = _derivative_at_argument(f, fprime) if printed else (lambda h_prev, a: fprime(a))
    N, T, _ = x.shape
    Hd = U.shape[0]
    x, dh = x.astype(np.float64), _dh(dh, (N, T, Hd), who).astype(np.float64)
    h0 = _state(h0, N, Hd, np.float64, "h0", who)
    dU = np.zeros((Hd, Hd))
    for n in range(N):
        hs, ds = [h0[n]], []  # h_0..h_T and the factors' diagonals d_1..d_T
        for t in range(T):
            a = f(hs[-1] @ U + x[n, t] @ W + b)
            ds.append(factor(hs[-1], a))
            hs.append(a)
        for t in range(1, T + 1):
            for k in range(1, t + 1):
                J = np.eye(Hd)  # ∂h_t/∂h_k, (7.6)
                for i in range(k + 1, t + 1):
                    J = J @ (U * ds[i - 1][None, :])  # (7.7): U diag(d_i) (row layout)
                g = J @ dh[n, t - 1]  # ∂h_t/∂h_k ∂J_t/∂h_t
                dU += np.outer(hs[k - 1], fprime(hs[k]) * g)  # ∂h_k/∂U (immediate)
    return dU


def jacobian_norms_77(U, inputs, h0=None, activation="tanh"):
    """`nndl.rnn.jacobian_norms` with the printed factor (7.7): Uᵀdiag(f′(h_{i−1})) (erratum 57).

    f′ is evaluated at h_{i−1} instead of at z_i = U h_{i−1} + u_i.  Arguments and the returned
    ``(norms, bounds)`` as `nndl.rnn.jacobian_norms`: ``inputs`` (T, H) are the projected
    inputs u_t of one sequence, U (H, H) in row layout, h0 (H,) or None.
    """
    f, fprime = _activation(activation, "jacobian_norms_77")
    return _jacobian_norms(U, inputs, h0, activation, "jacobian_norms_77", _derivative_at_argument(f, fprime))
