"""Convolutional networks (draft chapter 6, 卷积神经网络): convolution, pooling, LeNet-5.

Two operations, named apart
---------------------------
- `convolve2d` is the draft's ⊗, eq. (6.2): **true convolution**, the kernel flipped,
  y_ij = Σ_u Σ_v f_uv · x_{i−u+1, j−v+1}.
- `correlate2d` is the **cross-correlation** that deep-learning libraries call "convolution":
  y_ij = Σ_u Σ_v w_uv · x_{i+u−1, j+v−1}, with ``stride`` and zero ``padding``.
  The two differ by rot180 of the kernel: ``convolve2d(x, w) == correlate2d(x, rot180(w))``.

`Conv2D` computes cross-correlation with its stored ``W``: the draft's filter W^(l,k,p) of
(6.6)–(6.9) is ``rot180(W[k, p])``.  Learning does not care which of the two is used (the
network simply learns the flipped filter), but the draft's gradient formulas (6.22)–(6.31) are
written for ⊗: `nndl.draft` evaluates them with draft filters and the tests flip between the two.

Shapes are batch first: images (N, C, H, W), filters (K, C, kh, kw), outputs (N, K, H′, W′)
with H′ = (H + 2·padding − kh) // stride + 1.

Three forms of the convolution kernel (two of the others)
---------------------------------------------------------
A **reference** (name ending in ``_reference``) loops over samples, maps and output positions
exactly as the equation it cites.  The **vectorized** `correlate2d_vectorized` and
`correlate2d_backward_vectorized` fit on one screen (a ``sliding_window_view`` of the padded
input and one ``tensordot`` each way; col2im as kh·kw slice additions): read these to see the
method, no layer uses them.  The **tuned** engine the layers use (1.4–3.9× faster at one
thread on LeNet's and a mid-size layer, benchmarks/README.md):

- convolution: every image is read as one flat line per channel, so that the entries one kernel
  offset meets form a single strided run (`_Geometry`); a read-only ``as_strided`` window view,
  one copy of those runs ("im2col", in cache-sized chunks of the batch) and one batched matmul
  ``W @ cols`` give (N, K, P), already NCHW;
- backward: ``dW = Σ_n dY_n @ cols_nᵀ``, ``dcols = Wᵀ @ dY`` and col2im as kh·kw strided
  additions (one per kernel offset; ``np.add.at`` is about 20× slower);
- pooling: ``np.maximum`` (or ``+``) over the size² strided slices ``x[..., i::s, j::s]``; max
  pooling's backward routes the gradient to the *first* maximum of each window.

The layers follow the layer protocol of `nndl.nn` (``params``, ``grads``, ``forward`` caches,
``backward`` fills grads and returns dL/dx), so `nndl.nn.Sequential`, `nndl.nn.fit` and every
`nndl.optim` optimizer work with them unchanged.

Failing loudly
--------------
Every exported function and layer checks its arguments (ValueError/TypeError naming the argument
and the expected shape); integer images become float64, integer dtypes for weights are a
TypeError.  A batch of N = 0 images gives empty outputs and zero gradients.  Every array handed
back is new: none is (a view of) a scratch array that a later call would overwrite.  Layers
compute in the promoted dtype of input and weights, as `nndl.nn.Dense` does (a float64 layer
given float32 images returns float64).  Layers do not scan each batch for NaN or inf (the
training loop rejects non-finite data and losses); a NaN input reaches the output.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from . import _parallel
from ._validation import as_count as _int
from ._validation import as_float_dtype, as_real_array
from .nn import Activation, Dense, Layer, Sequential

__all__ = [
    "rot180",
    "conv1d",
    "conv1d_reference",
    "convolve2d",
    "convolve2d_reference",
    "correlate2d",
    "correlate2d_reference",
    "correlate2d_backward",
    "correlate2d_backward_reference",
    "window_view",
    "correlate2d_vectorized",
    "correlate2d_backward_vectorized",
    "im2col",
    "col2im",
    "output_size",
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "max_pool2d_reference",
    "max_pool2d_backward_reference",
    "avg_pool2d_reference",
    "avg_pool2d_backward_reference",
    "Conv2D",
    "MaxPool2D",
    "AvgPool2D",
    "Subsampling",
    "Flatten",
    "Reshape",
    "LENET_C3_TABLE",
    "LeNet5",
    "FILTERS",
    "filter_kernel",
]


# ------------------------------------------------------------------------------ validation
def _pair(value, name: str, minimum: int) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an integer or a pair (rows, cols), got {value!r}")
        return _int(value[0], name, minimum), _int(value[1], name, minimum)
    v = _int(value, name, minimum)
    return v, v


def _images(x, name: str = "x") -> np.ndarray:
    x = as_real_array(x, name)
    if x.ndim != 4 or 0 in x.shape[1:]:
        raise ValueError(
            f"{name} must have shape (N, C, H, W) (batch, channels, height, width) "
            f"with C, H, W >= 1, got shape {x.shape}"
        )
    return x


def _filters(w, x, name: str = "w") -> np.ndarray:
    w = as_real_array(w, name)
    if w.ndim != 4 or 0 in w.shape:
        raise ValueError(f"{name} must have shape (K, C, kh, kw) with every size >= 1, got shape {w.shape}")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"{name} has C = {w.shape[1]} input channels but x of shape (N, C, H, W) = "
            f"{x.shape} has C = {x.shape[1]}"
        )
    return w


def _x_shape(x_shape, name: str = "x_shape") -> tuple[int, int, int, int]:
    """A checked image-batch shape (N, C, H, W): N >= 0, the others >= 1."""
    try:
        dims = tuple(x_shape)
    except TypeError:
        raise TypeError(f"{name} must be a shape (N, C, H, W), got {x_shape!r}") from None
    if len(dims) != 4:
        raise ValueError(f"{name} must be a shape (N, C, H, W), got {x_shape!r}")
    return tuple(_int(d, f"{name}[{i}] ({'NCHW'[i]})", 0 if i == 0 else 1) for i, d in enumerate(dims))


def _check_geometry(x_shape, kernel, padding):
    H, W = x_shape[2:]
    kh, kw = kernel
    if H + 2 * padding < kh or W + 2 * padding < kw:
        raise ValueError(
            f"the kernel {kh}×{kw} is larger than the padded input "
            f"{H + 2 * padding}×{W + 2 * padding} (x has shape (N, C, H, W) = {tuple(x_shape)})"
        )


def _window(x_shape, kh, kw, stride, padding) -> "_Geometry":
    """The checked geometry of kh×kw windows with ``stride`` and ``padding`` over images ``x_shape``."""
    kh, kw = _int(kh, "kh", 1), _int(kw, "kw", 1)
    stride, padding = _int(stride, "stride", 1), _int(padding, "padding", 0)
    _check_geometry(x_shape, (kh, kw), padding)
    return _Geometry(x_shape, kh, kw, stride, padding)


def _conv_args(x, w, stride, padding):
    """Checked images x (N, C, H, W), filters w (K, C, kh, kw) and their geometry."""
    x = _images(x)
    w = _filters(w, x)
    return x, w, _window(x.shape, *w.shape[2:], stride, padding)


def _backward_args(dy, x, w, stride, padding):
    """`_conv_args` plus dy, which must have the output's shape (N, K, H′, W′)."""
    x, w, g = _conv_args(x, w, stride, padding)
    dy = as_real_array(dy, "dy")
    expected = (x.shape[0], w.shape[0], g.Ho, g.Wo)
    if dy.shape != expected:
        raise ValueError(f"dy must have the output's shape (N, K, H', W') = {expected}, got {dy.shape}")
    return dy, x, w, g


def _out(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """(size + 2·padding − kernel) // stride + 1, the draft's w_l = w_{l−1} − u + 1 (6.6) generalized.

    Like PyTorch, positions left over when ``stride`` does not divide size + 2·padding − kernel
    are dropped (floor); a kernel larger than the padded input is a ValueError.
    """
    size, kernel = _int(size, "size", 1), _int(kernel, "kernel", 1)
    stride, padding = _int(stride, "stride", 1), _int(padding, "padding", 0)
    if kernel > size + 2 * padding:
        raise ValueError(
            f"the kernel ({kernel}) is larger than the padded input (size + 2·padding = {size + 2 * padding})"
        )
    return _out(size, kernel, stride, padding)


def rot180(w) -> np.ndarray:
    """Rotate the last two axes by 180°: w[..., ::-1, ::-1] (a view), the rot180 of (6.23)–(6.29)."""
    w = np.asarray(w)
    if w.ndim < 2:
        raise ValueError(f"rot180 needs at least 2 dimensions, got shape {w.shape}")
    return w[..., ::-1, ::-1]


# ---------------------------------------------------------------------------- 1-D, (6.1)
def _conv1d_args(x, f, mode):
    x, f = as_real_array(x, "x"), as_real_array(f, "f")
    if x.ndim != 1 or f.ndim != 1 or f.size == 0:
        raise ValueError(f"conv1d needs 1-D x (n,) and non-empty f (m,), got {x.shape} and {f.shape}")
    if mode not in ("narrow", "wide"):
        raise ValueError(f"mode must be 'narrow' or 'wide', got {mode!r}")
    if mode == "narrow" and f.size > x.size:
        raise ValueError(f"narrow convolution needs m <= n, got m = {f.size} > n = {x.size}")
    return x, f


def conv1d(x, f, mode: str = "narrow") -> np.ndarray:
    """1-D convolution y_t = Σ_{k=1}^{m} f_k · x_{t−k+1}, eq. (6.1) corrected (erratum 45).

    ``"narrow"``: t = m..n, length n − m + 1, no padding; ``"wide"``: t = 1..n + m − 1 with
    x_t = 0 outside [1, n] (zero padding), length n + m − 1.  Same as ``np.convolve`` with
    modes ``"valid"``/``"full"``.  Vectorized: a window view times the flipped filter.
    """
    x, f = _conv1d_args(x, f, mode)
    m = f.size
    if mode == "wide":
        x = np.pad(x, m - 1)
    return sliding_window_view(x, m) @ f[::-1]


def conv1d_reference(x, f, mode: str = "narrow") -> np.ndarray:
    """Loop version of (6.1): for every t, Σ_{k=1}^{m} f_k · x_{t−k+1} (1-based, as printed)."""
    x, f = _conv1d_args(x, f, mode)
    n, m = x.size, f.size
    ts = range(m, n + 1) if mode == "narrow" else range(1, n + m)
    y = []
    for t in ts:
        s = 0.0
        for k in range(1, m + 1):
            i = t - k + 1
            if 1 <= i <= n:  # zero padding outside [1, n]
                s += f[k - 1] * x[i - 1]
        y.append(s)
    return np.array(y, dtype=np.result_type(x, f))


# ------------------------------------------------------------------ 2-D: im2col / col2im
# The fast kernels index every image as one flat row-major line per channel (rows padded to a
# ``pitch``).  With stride 1, the entries that kernel offset (i, j) meets at all output positions
# form ONE contiguous run of length L = (H′−1)·pitch + W′ starting at i·pitch + j, so im2col copies
# kh·kw long runs per channel instead of H′·kh·kw pieces W′ long.  The run also passes the
# pitch − W′ positions between two output rows: their columns are computed and dropped (and get
# zero δ in backward).  Cost: L / (H′·W′) times the GEMM work, 1.06–1.4 for LeNet's and VGG-like
# layers, exactly 1 when H′ = 1 (LeNet's C5).  With stride > 1 the positions are (H′, W′) as usual.
class _Geometry:
    """Flat-index layout of one cross-correlation (see the comment above)."""

    def __init__(self, x_shape, kh: int, kw: int, stride: int, padding: int) -> None:
        N, C, H, W = x_shape
        s, p = stride, padding
        self.x_shape, self.kh, self.kw, self.stride, self.padding = x_shape, kh, kw, s, p
        self.Ho, self.Wo = _out(H, kh, s, p), _out(W, kw, s, p)
        self.pitch = W + 2 * p
        if s == 1:  # positions (1, L): one run; output row a starts at column a·pitch
            self.grid, self.steps, self.row = (1, (self.Ho - 1) * self.pitch + self.Wo), (0, 1), self.pitch
        else:  # positions (H′, W′), every one an output
            self.grid, self.steps, self.row = (self.Ho, self.Wo), (s * self.pitch, s), self.Wo
        self.L = self.grid[0] * self.grid[1]
        self.offsets = [i * self.pitch + j for i in range(kh) for j in range(kw)]
        last = self.offsets[-1] + (self.grid[0] - 1) * self.steps[0] + (self.grid[1] - 1) * self.steps[1]
        self.rows = max(H + 2 * p, last // self.pitch + 1)

    def pad(self, x) -> np.ndarray:
        """x (N, C, H, W) → zero-padded flat images (N, C, rows·pitch); no copy when none is needed."""
        N, C, H, W = self.x_shape
        p = self.padding
        if p == 0 and self.rows == H and x.flags.c_contiguous:
            return x.reshape(N, C, H * W)
        xf = np.zeros((N, C, self.rows, self.pitch), dtype=x.dtype)
        xf[:, :, p : p + H, p : p + W] = x
        return xf.reshape(N, C, self.rows * self.pitch)

    def unpad(self, xf) -> np.ndarray:
        """The adjoint of `pad`: the (N, C, H, W) image part of flat images."""
        N, C, H, W = self.x_shape
        p = self.padding
        return xf.reshape(N, C, self.rows, self.pitch)[:, :, p : p + H, p : p + W]

    def windows(self, xf) -> np.ndarray:
        """Read-only view (N, C, kh, kw, *grid) of flat images: the im2col columns before the copy."""
        sN, sC, sp = xf.strides
        return as_strided(
            xf,
            (*xf.shape[:2], self.kh, self.kw, *self.grid),
            (sN, sC, self.pitch * sp, sp, self.steps[0] * sp, self.steps[1] * sp),
            writeable=False,
        )

    def positions(self, yf) -> np.ndarray:
        """View (N, K, H′, W′) of the output positions among the L columns of ``yf`` (N, K, L)."""
        sN, sK, sl = yf.strides
        return as_strided(
            yf, (*yf.shape[:2], self.Ho, self.Wo), (sN, sK, self.row * sl, sl), writeable=yf.flags.writeable
        )

    def threads(self, K: int, products: int, itemsize: int) -> int:
        """Threads for the chunks of a batch: all cores when one image's share of the work
        (``products`` GEMMs of K·R·L multiply-adds: 1 forward, 2 backward; float64 counts double)
        lies between what pays for waking a thread and what BLAS splits over the cores itself."""
        work = products * K * self.x_shape[1] * self.kh * self.kw * self.L * itemsize
        return _parallel.num_threads() if _PARALLEL_WORK[0] <= work < _PARALLEL_WORK[1] else 1

    def chunks(self, itemsize: int):
        """Equal slices of the batch whose im2col columns fit in ``_CHUNK_BYTES`` (so the copy stays
        in cache), an even number of them (balanced on two threads).  They depend only on the
        shapes, so results do not depend on the number of threads."""
        N, C = self.x_shape[:2]
        if N == 0:
            return []
        per_image = C * self.kh * self.kw * self.L * itemsize
        n = -(-N * per_image // _CHUNK_BYTES)
        step = -(-N // min(N, n + n % 2))
        return [slice(a, min(a + step, N)) for a in range(0, N, step)]

    def col2im(self, dxf, dcols, batch=slice(None)) -> None:
        """Add dcols (m, C·kh·kw, L) back into flat images dxf[batch]: one addition per kernel offset."""
        part = dxf[batch]
        m, C, sp = part.shape[0], part.shape[1], part.strides[-1]
        if self.stride == 1:  # plain slices: as_strided costs 3 µs a call
            dcols = dcols.reshape(m, C, self.kh * self.kw, self.L)
            for q, off in enumerate(self.offsets):
                part[:, :, off : off + self.L] += dcols[:, :, q]
            return
        dcols = dcols.reshape(m, C, self.kh * self.kw, *self.grid)
        for q, off in enumerate(self.offsets):  # one offset never meets a pixel twice
            target = as_strided(
                part[..., off:],
                (m, C, *self.grid),
                (*part.strides[:2], self.steps[0] * sp, self.steps[1] * sp),
            )
            target += dcols[:, :, q]


#: Bytes of im2col columns built at once: small enough for the L2/L3 caches, large enough that
#: the per-chunk Python overhead (one copy, one to three matmuls, kh·kw additions) stays small.
#: Measured for LeNet's C3 on 2 cores, before the scratch arrays: 2 chunks of 32 images 0.44 /
#: 1.27 ms (forward / backward), 4 chunks 0.48 / 1.95 ms, 1 chunk of 5 MB 0.63 / 4.4 ms.
_CHUNK_BYTES = 1 << 22
#: Multiply-adds × bytes per element, per image, for which the chunks run on all cores: below,
#: waking a thread costs more than it saves (C1's float32 forward pass, 134 k × 4); above, BLAS
#: splits each product itself (the mid-size layer, 20 M × 4).
_PARALLEL_WORK = (1 << 20, 1 << 24)


def im2col(x, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The columns of every kh×kw window that (6.8) reads: (N, C·kh·kw, H′·W′), rows (c, i, j); new.

    The readable form of what the fast kernels do (they keep the runs between output rows).
    """
    x = _images(x)
    g = _window(x.shape, kh, kw, stride, padding)
    N, R = x.shape[0], x.shape[1] * g.kh * g.kw
    cols = np.empty((N, R, g.Ho, g.Wo), dtype=x.dtype)
    cols[...] = g.positions(g.windows(g.pad(x)).reshape(N, R, g.L))
    return cols.reshape(N, R, g.Ho * g.Wo)


def col2im(cols, x_shape, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Adjoint of `im2col`: add every column entry back to the pixel it came from (the scatter of (6.29)).

    ``cols`` (N, C·kh·kw, H′·W′) → images ``x_shape`` (N, C, H, W).  One strided-slice addition
    per kernel offset (kh·kw of them), each over the whole batch.
    """
    x_shape = _x_shape(x_shape)
    g = _window(x_shape, kh, kw, stride, padding)
    cols = as_real_array(cols, "cols")
    N, R = x_shape[0], x_shape[1] * g.kh * g.kw
    if cols.shape != (N, R, g.Ho * g.Wo):
        raise ValueError(
            f"cols must have shape (N, C·kh·kw, H′·W′) = {(N, R, g.Ho * g.Wo)} for "
            f"x_shape {x_shape}, got {cols.shape}"
        )
    full = np.zeros((N, R, g.L), dtype=cols.dtype)
    g.positions(full)[...] = cols.reshape(N, R, g.Ho, g.Wo)
    dxf = np.zeros((N, x_shape[1], g.rows * g.pitch), dtype=cols.dtype)
    g.col2im(dxf, full)
    return np.ascontiguousarray(g.unpad(dxf))


def _correlate(x, W2, g: _Geometry, b=None):
    """Fast forward: y (N, K, H′, W′) = W2 (K, C·kh·kw) @ cols (+ b per map), chunk by chunk;
    also returns the flat x."""
    xf = g.pad(x)
    v = g.windows(xf)
    N, K, R = x.shape[0], W2.shape[0], W2.shape[1]
    y = np.empty((N, K, g.Ho, g.Wo), dtype=x.dtype)
    bias = None if b is None else b.astype(x.dtype, copy=False)[:, None, None]

    def chunk(part):
        n = part.stop - part.start
        cols = _parallel.scratch("conv.cols", (n, *v.shape[1:]), x.dtype)
        np.copyto(cols, v[part])
        yf = np.matmul(W2, cols.reshape(n, R, g.L), out=_parallel.scratch("conv.y", (n, K, g.L), x.dtype))
        if bias is None:
            np.copyto(y[part], g.positions(yf))  # drop the columns between output rows
        else:
            np.add(g.positions(yf), bias, out=y[part])

    threads = g.threads(K, products=1, itemsize=x.itemsize)
    _parallel.map_in_order(chunk, g.chunks(x.itemsize), threads)
    return y, xf


def _correlate_grads(dy, xf, W2, g: _Geometry):
    """Fast backward from the flat input of `_correlate`: (dx (N, C, H, W), dW2 (K, C·kh·kw))."""
    N, K = dy.shape[:2]
    R = W2.shape[1]
    d = _parallel.scratch("conv.dy", (N, K, g.L), dy.dtype)
    d.fill(0)
    g.positions(d)[...] = dy  # δ of the dropped columns is 0
    v = g.windows(xf)
    # Without padding dx IS the flat array: then it must be a new one, never a scratch array
    # that the next backward pass (of any layer of this shape) would overwrite.
    fresh = g.padding == 0 and g.rows == g.x_shape[2]
    if fresh:
        dxf = np.zeros(xf.shape, dy.dtype)
    else:
        dxf = _parallel.scratch("conv.dx", xf.shape, dy.dtype)
        dxf.fill(0)

    def chunk(b):
        cols = _parallel.scratch("conv.cols", (b.stop - b.start, *v.shape[1:]), xf.dtype)
        np.copyto(cols, v[b])
        dW, dcols = _conv_grads(d[b], cols.reshape(-1, R, g.L), W2)
        g.col2im(dxf, dcols, b)
        return dW

    threads = g.threads(K, products=2, itemsize=xf.itemsize)
    dWs = _parallel.map_in_order(chunk, g.chunks(xf.itemsize), threads)
    dW = functools.reduce(np.add, dWs) if dWs else np.zeros((K, R), dy.dtype)  # N = 0: no chunks
    dx = g.unpad(dxf)
    return (dx if fresh else dx.copy()), dW


def _conv_grads(d, cols, W2):
    """dW (K, R) and dcols (N, R, P) from d = dY (N, K, P), cols (N, R, P) and W2 (K, R).

    Many positions P: batched matmuls, ``dWᵀ = Σ_n cols_n @ dY_nᵀ`` (faster in OpenBLAS than
    ``dY_n @ cols_nᵀ`` for LeNet's shapes) and ``dcols = Wᵀ @ dY`` into a scratch array, no
    copies.  Few positions (LeNet's C5 has P = 1): a batch of tiny products is slow, so fold the
    batch into one GEMM each (copying d and cols is cheap when P is small).
    """
    N, K, P = d.shape
    if P >= 64:
        dcols = _parallel.scratch("conv.dcols", cols.shape, np.result_type(W2, d))
        return np.matmul(cols, d.transpose(0, 2, 1)).sum(axis=0).T, np.matmul(W2.T, d, out=dcols)
    dk = np.ascontiguousarray(d.transpose(1, 0, 2)).reshape(K, N * P)  # (K, N·P)
    R = cols.shape[1]
    dW = dk @ cols.transpose(0, 2, 1).reshape(N * P, R)  # (K, R)
    dcols = (W2.T @ dk).reshape(R, N, P).transpose(1, 0, 2)  # (N, R, P)
    return dW, dcols


def _squeeze2d(x, w):
    """Accept single 2-D images and kernels too: (H, W) and (kh, kw)."""
    x, w = np.asarray(x), np.asarray(w)
    single = x.ndim == 2 and w.ndim == 2
    if (x.ndim == 2) != (w.ndim == 2):
        raise ValueError(
            f"pass images x (N, C, H, W) with filters w (K, C, kh, kw), or one image "
            f"(H, W) with one kernel (kh, kw); got shapes {x.shape} and {w.shape}"
        )
    if single:
        x, w = x[None, None], w[None, None]
    return x, w, single


def correlate2d(x, w, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Cross-correlation y[n,k,s,t] = Σ_c Σ_i Σ_j w[k,c,i,j] · x[n,c,s·stride+i,t·stride+j] (fast);
    (6.8) with the kernel not flipped.

    ``x`` (N, C, H, W), ``w`` (K, C, kh, kw) → (N, K, H′, W′); ``padding`` zeros on every side.
    A single image (H, W) with a single kernel (kh, kw) gives (H′, W′).  This is what
    `Conv2D` and deep-learning libraries compute; the draft's ⊗ is `convolve2d`.
    """
    x, w, single = _squeeze2d(x, w)
    x, w, g = _conv_args(x, w, stride, padding)
    dtype = np.result_type(x, w)
    y, _ = _correlate(x.astype(dtype, copy=False), w.reshape(len(w), -1).astype(dtype, copy=False), g)
    return y[0, 0] if single else y


def correlate2d_reference(x, w, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Loop version of `correlate2d`: for every n, k and output position (s, t), the sum over
    the input maps and the window, as in (6.8) (with the kernel not flipped)."""
    x, w, single = _squeeze2d(x, w)
    x, w, g = _conv_args(x, w, stride, padding)
    K, C, kh, kw = w.shape
    stride, padding, Ho, Wo = g.stride, g.padding, g.Ho, g.Wo
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N = x.shape[0]
    y = np.zeros((N, K, Ho, Wo), dtype=np.result_type(x, w))
    for n in range(N):
        for k in range(K):
            for s in range(Ho):
                for t in range(Wo):
                    window = xp[n, :, s * stride : s * stride + kh, t * stride : t * stride + kw]
                    y[n, k, s, t] = np.sum(w[k] * window)
    return y[0, 0] if single else y


def window_view(x, kh: int, kw: int, stride: int = 1, padding: int = 0):
    """Every kh×kw window of the zero-padded images x (N, C, H, W).

    win[n, c, s, t, i, j] = x_pad[n, c, s·stride + i, t·stride + j],
    the inputs that output position (s, t) of (6.8) reads: a read-only
    view (N, C, H′, W′, kh, kw) of x_pad, no copy.
    """
    x = _images(x)
    g = _window(x.shape, kh, kw, stride, padding)
    p, s = g.padding, g.stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    win = sliding_window_view(x_pad, (g.kh, g.kw), axis=(2, 3))
    return win[:, :, ::s, ::s]


def correlate2d_vectorized(x, w, stride: int = 1, padding: int = 0):
    """`correlate2d` in one screen: a window view and one product.

    y[n, k, s, t] = Σ_c Σ_i Σ_j w[k, c, i, j] · win[n, c, s, t, i, j]
    is (6.6)/(6.8) with the kernel not flipped (cross-correlation), for
    all maps and positions at once.  ``np.tensordot`` copies the windows
    into one matrix (im2col) and makes one matrix product.  Shapes and
    checks as `correlate2d`; no layer uses it (they use the tuned one).
    """
    x, w, single = _squeeze2d(x, w)
    x, w, g = _conv_args(x, w, stride, padding)
    win = window_view(x, g.kh, g.kw, g.stride, g.padding)
    # sum over c, i, j: (N, H′, W′, K)
    y = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))
    y = y.transpose(0, 3, 1, 2)  # (N, K, H′, W′)
    return y[0, 0] if single else y


def correlate2d_backward_vectorized(dy, x, w, stride=1, padding=0):
    """Gradients (dx, dw, db) of y = correlate2d(x, w) + b in one screen.

    - dw[k, c, i, j] = Σ_n Σ_s Σ_t dy[n, k, s, t] · win[n, c, s, t, i, j]:
      (6.22)–(6.24) for cross-correlation, every filter at once;
    - db[k] = Σ_n Σ_s Σ_t dy[n, k, s, t]: (6.25);
    - dwin[n, c, i, j, s, t] = Σ_k w[k, c, i, j] · dy[n, k, s, t] is each
      window entry's share, and it goes back to the pixel it was read
      from: kh·kw strided slice additions (together the wide convolution
      with rot180(w) of (6.29)).

    ``dy`` has the output's shape (N, K, H′, W′); checks as
    `correlate2d_backward`.
    """
    dy, x, w, g = _backward_args(dy, x, w, stride, padding)
    kh, kw, s, p = g.kh, g.kw, g.stride, g.padding
    win = window_view(x, kh, kw, s, p)  # (N, C, H′, W′, kh, kw)
    dw = np.tensordot(dy, win, axes=([0, 2, 3], [0, 2, 3]))
    db = dy.sum(axis=(0, 2, 3))
    dwin = np.tensordot(dy, w, axes=([1], [0]))  # (N, H′, W′, C, kh, kw)
    dwin = dwin.transpose(0, 3, 4, 5, 1, 2)  # (N, C, kh, kw, H′, W′)
    N, C, H, W = x.shape
    dx_pad = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=dwin.dtype)
    rows, cols = s * g.Ho, s * g.Wo
    for i in range(kh):
        for j in range(kw):
            r, c = slice(i, i + rows, s), slice(j, j + cols, s)
            dx_pad[..., r, c] += dwin[:, :, i, j]  # back to its pixels
    return dx_pad[:, :, p : p + H, p : p + W].copy(), dw, db


def convolve2d(x, w, mode: str = "valid") -> np.ndarray:
    """The draft's ⊗, eq. (6.2)/(6.8): true convolution, kernel flipped, summed over channels.

    y[n,k] = Σ_c w[k,c] ⊗ x[n,c], with (f ⊗ x)_ij = Σ_u Σ_v f_uv · x_{i−u+1, j−v+1}.
    ``mode="valid"`` is the narrow convolution (H − kh + 1), ``"full"`` the wide one
    (H + kh − 1, zeros outside the image), the draft's ⊗̃.  Equal to
    ``correlate2d(x, rot180(w), padding=...)``; single 2-D images and kernels are accepted.
    """
    if mode not in ("valid", "full"):
        raise ValueError(f"mode must be 'valid' (narrow) or 'full' (wide), got {mode!r}")
    x, w, single = _squeeze2d(x, w)
    x = _images(x)
    w = _filters(w, x)
    kh, kw = w.shape[2:]
    if mode == "full":
        x = np.pad(x, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    y = correlate2d(x, np.ascontiguousarray(rot180(w)))
    return y[0, 0] if single else y


def convolve2d_reference(x, w, mode: str = "valid") -> np.ndarray:
    """Loop version of (6.2), 1-based as printed: y_ij = Σ_{u=1}^{m} Σ_{v=1}^{n} f_uv · x_{i−u+1, j−v+1}
    (summed over input channels), with x = 0 outside the image for the wide (full) mode."""
    if mode not in ("valid", "full"):
        raise ValueError(f"mode must be 'valid' (narrow) or 'full' (wide), got {mode!r}")
    x, w, single = _squeeze2d(x, w)
    x = _images(x)
    w = _filters(w, x)
    N, C, H, W = x.shape
    K, _, m, nk = w.shape
    if mode == "valid":
        _check_geometry(x.shape, (m, nk), 0)
        rows, cols = range(m, H + 1), range(nk, W + 1)
    else:
        rows, cols = range(1, H + m), range(1, W + nk)
    y = np.zeros((N, K, len(rows), len(cols)), dtype=np.result_type(x, w))
    for a in range(N):
        for k in range(K):
            for oi, i in enumerate(rows):
                for oj, j in enumerate(cols):
                    s = 0.0
                    for u in range(1, m + 1):
                        for v in range(1, nk + 1):
                            r, c = i - u + 1, j - v + 1
                            if 1 <= r <= H and 1 <= c <= W:
                                s += np.dot(w[k, :, u - 1, v - 1], x[a, :, r - 1, c - 1])
                    y[a, k, oi, oj] = s
    return y[0, 0] if single else y


def correlate2d_backward(dy, x, w, stride: int = 1, padding: int = 0):
    """Gradients of y = correlate2d(x, w, stride, padding): returns new arrays (dx, dw).

    ``dw = Σ_n dY_n @ cols_nᵀ`` (the draft's (6.22) for all filters at once) and
    ``dx = col2im(Wᵀ @ dY)`` (the wide convolution of (6.29)), built chunk by chunk.
    ``dy`` has the output's shape (N, K, H′, W′).
    """
    dy, x, w, g = _backward_args(dy, x, w, stride, padding)
    dtype = np.result_type(x, w, dy)
    dx, dw = _correlate_grads(
        dy.astype(dtype, copy=False),
        g.pad(x.astype(dtype, copy=False)),
        w.reshape(len(w), -1).astype(dtype, copy=False),
        g,
    )
    return dx, dw.reshape(w.shape)


def correlate2d_backward_reference(dy, x, w, stride: int = 1, padding: int = 0):
    """Loop version: for every n, k and output position, the window's share of the gradient,
    dw[k] += dy·window (6.22) and dx[window] += dy·w[k] (the chain rule behind (6.29))."""
    dy, x, w, g = _backward_args(dy, x, w, stride, padding)
    kh, kw = w.shape[2:]
    stride, padding = g.stride, g.padding
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxp = np.zeros_like(xp, dtype=np.result_type(x, w, dy))
    dw = np.zeros(w.shape, dtype=np.result_type(x, w, dy))
    for n in range(x.shape[0]):
        for k in range(w.shape[0]):
            for s in range(g.Ho):
                for t in range(g.Wo):
                    sl = (
                        n,
                        slice(None),
                        slice(s * stride, s * stride + kh),
                        slice(t * stride, t * stride + kw),
                    )
                    dw[k] += dy[n, k, s, t] * xp[sl]
                    dxp[sl] += dy[n, k, s, t] * w[k]
    H, W = x.shape[2:]
    return dxp[:, :, padding : padding + H, padding : padding + W].copy(), dw


# ----------------------------------------------------------------------- classic filters
#: The names `filter_kernel` knows (the filters of section 6.1.2).
FILTERS = ("mean", "gaussian", "edge-x", "edge-y")


def _binomial(n: int) -> np.ndarray:
    row = np.ones(1)
    for _ in range(n - 1):
        row = np.convolve(row, [1.0, 1.0])
    return row


def filter_kernel(name: str, size: int = 3) -> np.ndarray:
    """A classic size×size image filter, for `convolve2d` (the ⊗ of (6.2)).

    - ``"mean"``: f_uv = 1/(m·n), the mean filter of section 6.1.2;
    - ``"gaussian"``: the outer product of binomial coefficients, normalized to sum 1 (the
      binomial row is the discrete approximation of a Gaussian, σ² = (size − 1)/4);
    - ``"edge-x"``/``"edge-y"``: Sobel-type filters, a binomial smoothing along one axis times a
      central difference along the other (size 3 gives Sobel's kernel /8); under ⊗ ``"edge-x"``
      gives the slope of the intensity from left to right (1 on a unit ramp).
    """
    if name not in FILTERS:
        raise ValueError(f"unknown filter {name!r}; choose one of {FILTERS}")
    size = _int(size, "size", 1)
    if name == "mean":
        return np.full((size, size), 1.0 / size**2)
    b = _binomial(size)
    if name == "gaussian":
        return np.outer(b, b) / b.sum() ** 2
    if size < 3 or size % 2 == 0:
        raise ValueError(f"edge filters need an odd size >= 3, got {size}")
    d = np.convolve(_binomial(size - 2), [1.0, 0.0, -1.0])  # flipped by ⊗ into a forward difference
    k = np.outer(b, d) / (b.sum() * -np.dot(np.arange(size), d))  # a unit ramp gives 1
    return k if name == "edge-x" else k.T.copy()


# --------------------------------------------------------------------------------- pooling
def _pool_shape(x_shape, size):
    """Checked ``size`` and the pooled (H′, W′) = (H // size, W // size) of images ``x_shape``."""
    size = _int(size, "size", 1)
    if x_shape[2] < size or x_shape[3] < size:
        raise ValueError(
            f"pooling size {size} is larger than the maps: x has shape (N, C, H, W) = {tuple(x_shape)}"
        )
    return size, x_shape[2] // size, x_shape[3] // size


def _pooled(a, x_shape, size, name: str) -> np.ndarray:
    """``a`` as a real array of the pooled shape (N, C, H // size, W // size) of ``x_shape``."""
    a = as_real_array(a, name)
    expected = (*x_shape[:2], x_shape[2] // size, x_shape[3] // size)
    if a.shape != expected:
        raise ValueError(
            f"{name} must have the pooled shape (N, C, H // size, W // size) = {expected}, got {a.shape}"
        )
    return a


def _slices(size, Ho, Wo):
    """The size² strided slices (one per window offset) covering the pooled region."""
    return [
        (i, j, (Ellipsis, slice(i, i + size * Ho, size), slice(j, j + size * Wo, size)))
        for i in range(size)
        for j in range(size)
    ]


def max_pool2d(x, size: int = 2) -> np.ndarray:
    """Max pooling over non-overlapping size×size regions R_k, eq. (6.14) (fast).

    np.maximum over the size² strided slices x[..., i::size, j::size]; rows/columns beyond a
    multiple of ``size`` are dropped (floor), as in PyTorch.  Integer images give float64.
    """
    x = _images(x)
    size, Ho, Wo = _pool_shape(x.shape, size)
    sl = _slices(size, Ho, Wo)
    out = x[sl[0][2]].copy()
    for _, _, s in sl[1:]:
        np.maximum(out, x[s], out=out)
    return out


def max_pool2d_backward(dy, x, out, size: int = 2) -> np.ndarray:
    """Route every δ to the first maximum of its window (the up() of erratum 53 for max pooling).

    ``out`` is ``max_pool2d(x, size)``; ``dy`` and ``out`` have its shape (N, C, H′, W′).
    """
    x = _images(x)
    size, Ho, Wo = _pool_shape(x.shape, size)
    out = _pooled(out, x.shape, size, "out")
    dy = _pooled(dy, x.shape, size, "dy")
    H, W = x.shape[2:]
    dtype = np.result_type(x, dy)
    if H == size * Ho and W == size * Wo:
        dx = np.empty(x.shape, dtype=dtype)  # the slices below cover every pixel
    else:
        dx = np.zeros(x.shape, dtype=dtype)  # rows/columns beyond the last region get 0
    sl = _slices(size, Ho, Wo)
    taken = None
    for n, (_, _, s) in enumerate(sl):
        hit = np.equal(x[s], out)
        if taken is None:
            taken = hit.copy() if len(sl) > 1 else hit
        else:
            np.greater(hit, taken, out=hit)  # hit and not yet taken: the first maximum
            if n < len(sl) - 1:
                np.logical_or(taken, hit, out=taken)
        np.multiply(dy, hit, out=dx[s])
    return dx


def avg_pool2d(x, size: int = 2) -> np.ndarray:
    """Average pooling (1/|R_k|) Σ_{i∈R_k} a_i, eq. (6.15) (fast: a sum of strided slices).

    Integer images give float64."""
    x = _images(x)
    size, Ho, Wo = _pool_shape(x.shape, size)
    sl = _slices(size, Ho, Wo)
    out = x[sl[0][2]].copy()
    for _, _, s in sl[1:]:
        out += x[s]
    out *= 1.0 / (size * size)
    return out


def avg_pool2d_backward(dy, x_shape, size: int = 2, dtype=None) -> np.ndarray:
    """up(δ) for average pooling: every pixel of R_k receives δ_k / |R_k| (erratum 53).

    ``dy`` (N, C, H // size, W // size) → dx of shape ``x_shape`` (N, C, H, W) and of ``dtype``
    (a float dtype; default: dy's)."""
    x_shape = _x_shape(x_shape)
    size, Ho, Wo = _pool_shape(x_shape, size)
    dy = _pooled(dy, x_shape, size, "dy")
    dx = np.zeros(x_shape, dtype=dy.dtype if dtype is None else as_float_dtype(dtype, "dtype"))
    g = dy * (1.0 / (size * size))
    for _, _, s in _slices(size, Ho, Wo):
        dx[s] = g
    return dx


def max_pool2d_reference(x, size: int = 2) -> np.ndarray:
    """Loop version of (6.14): max over each region R_k."""
    x = _images(x)
    size, Ho, Wo = _pool_shape(x.shape, size)
    N, C = x.shape[:2]
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for s in range(Ho):
                for t in range(Wo):
                    out[n, c, s, t] = x[n, c, s * size : (s + 1) * size, t * size : (t + 1) * size].max()
    return out


def max_pool2d_backward_reference(dy, x, size: int = 2) -> np.ndarray:
    """Loop version of the up() of (6.20) for max pooling (6.14): δ goes to the first argmax of
    each region."""
    x = _images(x)
    size, Ho, Wo = _pool_shape(x.shape, size)
    dy = _pooled(dy, x.shape, size, "dy")
    N, C = dy.shape[:2]
    dx = np.zeros(x.shape, dtype=np.result_type(x, dy))
    for n in range(N):
        for c in range(C):
            for s in range(Ho):
                for t in range(Wo):
                    r = x[n, c, s * size : (s + 1) * size, t * size : (t + 1) * size]
                    i, j = np.unravel_index(np.argmax(r), r.shape)
                    dx[n, c, s * size + i, t * size + j] += dy[n, c, s, t]
    return dx


def avg_pool2d_reference(x, size: int = 2) -> np.ndarray:
    """Loop version of (6.15)."""
    x = _images(x)
    size, Ho, Wo = _pool_shape(x.shape, size)
    N, C = x.shape[:2]
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for s in range(Ho):
                for t in range(Wo):
                    out[n, c, s, t] = x[n, c, s * size : (s + 1) * size, t * size : (t + 1) * size].mean()
    return out


def avg_pool2d_backward_reference(dy, x_shape, size: int = 2) -> np.ndarray:
    """Loop version of the up() of (6.20) for average pooling (6.15): δ_k / |R_k| to every pixel of R_k."""
    x_shape = _x_shape(x_shape)
    size, Ho, Wo = _pool_shape(x_shape, size)
    dy = _pooled(dy, x_shape, size, "dy")
    N, C = dy.shape[:2]
    dx = np.zeros(x_shape, dtype=dy.dtype)
    for n in range(N):
        for c in range(C):
            for s in range(Ho):
                for t in range(Wo):
                    dx[n, c, s * size : (s + 1) * size, t * size : (t + 1) * size] += dy[n, c, s, t] / size**2
    return dx


# ---------------------------------------------------------------------------------- layers
def _table(table, C: int, K: int) -> np.ndarray | None:
    if table is None:
        return None
    t = np.asarray(table)
    if t.shape != (C, K):
        raise ValueError(
            f"table must be a boolean (in_channels, out_channels) = ({C}, {K}) array "
            f"with T[p, k] = 1 when map k uses input map p (6.9), got shape {t.shape}"
        )
    t = t.astype(bool)
    if not t.any(axis=0).all():
        raise ValueError("every output map needs at least one input map in the table")
    return t


class Conv2D(Layer):
    """Convolutional layer, eqs. (6.8)–(6.9) without the activation: Z = Σ_p W^(k,p) ⋆ X^(p) + b_k.

    Computes **cross-correlation** (`correlate2d`) with ``W`` (K, C, kh, kw), as deep-learning
    libraries do; the draft's ⊗-filter is rot180(W[k, p]).  ``b`` is (K,), one bias per map.
    ``table``: an optional boolean (C, K) connection table T (6.9), T[p, k] = True when output
    map k depends on input map p; unconnected filters are held at zero (their gradients are
    zero) and are not counted by ``num_trainable``.  Input (N, C, H, W), output (N, K, H′, W′).
    Weights start as U(−a, a), a = 2.4 / fan-in, as in [LeCun et al., 1998], unless ``init="he"``.
    ``dtype`` is a float dtype; as in `nndl.nn.Dense`, the layer computes in the promoted dtype
    of its input and weights (a float64 layer given float32 images returns float64).
    """

    regularized = ("W",)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride: int = 1,
        padding: int = 0,
        table=None,
        init: str = "lecun",
        rng=None,
        dtype=np.float64,
    ):
        super().__init__()
        dtype = as_float_dtype(dtype)
        self.in_channels = _int(in_channels, "in_channels", 1)
        self.out_channels = _int(out_channels, "out_channels", 1)
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _int(stride, "stride", 1)
        self.padding = _int(padding, "padding", 0)
        self.table = _table(table, self.in_channels, self.out_channels)
        kh, kw = self.kernel_size
        shape = (self.out_channels, self.in_channels, kh, kw)
        self.mask = None if self.table is None else self.table.T[:, :, None, None]
        fan_in = (
            (self.in_channels if self.table is None else self.table.sum(axis=0)[:, None, None, None])
            * kh
            * kw
        )
        rng = np.random.default_rng(rng)
        if init == "lecun":
            a = 2.4 / fan_in
            W = rng.uniform(-1.0, 1.0, size=shape) * a
        elif init == "he":
            W = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        else:
            raise ValueError(f"init must be 'lecun' or 'he', got {init!r}")
        W = W.astype(dtype)
        if self.mask is not None:
            W *= self.mask
        self.params = {"W": W, "b": np.zeros(self.out_channels, dtype=dtype)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(self.params["b"])}
        self._cache = None

    @property
    def num_trainable(self) -> int:
        """K·uv + n_l with the table (6.9), n_l·n_{l−1}·uv + n_l without (6.8)."""
        kh, kw = self.kernel_size
        links = self.in_channels * self.out_channels if self.table is None else int(self.table.sum())
        return links * kh * kw + self.out_channels

    def output_shape(self, hw):
        kh, kw = self.kernel_size
        return (
            self.out_channels,
            output_size(hw[0], kh, self.stride, self.padding),
            output_size(hw[1], kw, self.stride, self.padding),
        )

    def _weights(self):
        W = self.params["W"]
        return W if self.mask is None else W * self.mask

    def forward(self, x):
        x = _images(x)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"{self!r} expects input of shape (N, C, H, W) with C = {self.in_channels}, "
                f"got shape {x.shape}"
            )
        W, b = self._weights(), self.params["b"]
        g = _window(x.shape, *self.kernel_size, self.stride, self.padding)
        dtype = np.result_type(x, W, b)  # as Dense's x @ W.T + b
        W2 = W.reshape(self.out_channels, -1).astype(dtype, copy=False)
        y, xf = _correlate(x.astype(dtype, copy=False), W2, g, b)
        self._cache = (g, xf, W2)
        return y

    def backward(self, dy):
        g, xf, W2 = self._cached("_cache")
        dy = as_real_array(dy, "dy")
        expected = (g.x_shape[0], self.out_channels, g.Ho, g.Wo)
        if dy.shape != expected:
            raise ValueError(
                f"Conv2D.backward: dy must have the shape of the output (N, K, H', W') = "
                f"{expected}, got {dy.shape}"
            )
        dtype = np.result_type(xf, dy)  # as Dense's dy @ W
        if dtype != xf.dtype:
            xf, W2 = xf.astype(dtype), W2.astype(dtype)
        dx, dW = _correlate_grads(dy.astype(dtype, copy=False), xf, W2, g)
        dW = dW.reshape(self.params["W"].shape)
        if self.mask is not None:
            dW *= self.mask
        self.grads["W"] = dW
        self.grads["b"] = dy.sum(axis=(0, 2, 3))
        return dx

    def __repr__(self) -> str:
        extra = "" if self.table is None else f", table={int(self.table.sum())} links"
        s = "" if self.stride == 1 else f", stride={self.stride}"
        p = "" if self.padding == 0 else f", padding={self.padding}"
        return f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}{s}{p}{extra})"


class _Pool(Layer):
    def __init__(self, size: int = 2) -> None:
        super().__init__()
        self.size = _int(size, "size", 1)
        self._cache = None

    def output_shape(self, chw):
        return (chw[0], chw[1] // self.size, chw[2] // self.size)

    def _check(self, x):
        return _images(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.size})"


class MaxPool2D(_Pool):
    """Max pooling over size×size regions, eq. (6.14); no parameters.  backward routes δ to the
    first maximum of each region."""

    def forward(self, x):
        x = self._check(x)
        out = max_pool2d(x, self.size)
        self._cache = (x, out)
        return out

    def backward(self, dy):
        x, out = self._cached("_cache")
        dy = self._check_dy(dy, out.shape, "MaxPool2D")
        return max_pool2d_backward(dy, x, out, self.size)


class AvgPool2D(_Pool):
    """Average pooling over size×size regions, eq. (6.15); no parameters."""

    def forward(self, x):
        x = self._check(x)
        out = avg_pool2d(x, self.size)
        self._cache = (x.shape, x.dtype, out.shape)
        return out

    def backward(self, dy):
        shape, dtype, oshape = self._cached("_cache")
        dy = self._check_dy(dy, oshape, "AvgPool2D")
        return avg_pool2d_backward(dy, shape, self.size, np.result_type(dtype, dy))


class Subsampling(Layer):
    """LeNet's trainable subsampling layer, eqs. (6.10)–(6.13) without f: Z^(k) = w_k·down(X^(k)) + b_k.

    ``down`` is the average of each size×size region (the draft: "4个数的平均"; LeCun et al. use
    the sum, which only rescales w_k).  Params ``w`` (C,) and ``b`` (C,), one of each per map.
    backward: ∂J/∂w_k = Σ down(X^(k))·δ^(k) (6.30), ∂J/∂b_k = Σ δ^(k) (6.31), and
    dL/dX = up(w_k δ^(k)), each pixel of R_k receiving w_k δ_k/|R_k| ((6.20), erratum 53).
    """

    def __init__(self, channels: int, size: int = 2, dtype=np.float64) -> None:
        super().__init__()
        dtype = as_float_dtype(dtype)
        self.channels = _int(channels, "channels", 1)
        self.size = _int(size, "size", 1)
        self.params = {"w": np.ones(self.channels, dtype=dtype), "b": np.zeros(self.channels, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._cache = None

    @property
    def num_trainable(self) -> int:
        return 2 * self.channels

    def output_shape(self, chw):
        return (chw[0], chw[1] // self.size, chw[2] // self.size)

    def forward(self, x):
        x = _images(x)
        if x.shape[1] != self.channels:
            raise ValueError(
                f"{self!r} expects input of shape (N, C, H, W) with C = {self.channels}, got shape {x.shape}"
            )
        w, b = self.params["w"], self.params["b"]
        down = avg_pool2d(x.astype(np.result_type(x, w, b), copy=False), self.size)  # as Dense
        self._cache = (x.shape, down)
        return down * w[:, None, None] + b[:, None, None]

    def backward(self, dy):
        shape, down = self._cached("_cache")
        dy = self._check_dy(dy, down.shape, "Subsampling")
        self.grads["w"] = np.einsum("nchw,nchw->c", down, dy)  # (6.30)
        self.grads["b"] = dy.sum(axis=(0, 2, 3))  # (6.31)
        g = dy * self.params["w"][:, None, None]
        return avg_pool2d_backward(g, shape, self.size, g.dtype)

    def __repr__(self) -> str:
        return f"Subsampling({self.channels}, size={self.size})"


class Flatten(Layer):
    """(N, C, H, W) → (N, C·H·W), so a `Dense` layer (5.7) can follow; backward reshapes back."""

    def forward(self, x):
        x = as_real_array(x, "x")
        if x.ndim < 2:
            raise ValueError(
                f"Flatten expects x of shape (N, ...) with at least 2 dimensions, got shape {x.shape}"
            )
        self._shape = x.shape
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))

    def backward(self, dy):
        shape = self._cached("_shape")
        dy = self._check_dy(dy, (shape[0], int(np.prod(shape[1:]))), "Flatten")
        return dy.reshape(shape)

    def __repr__(self) -> str:
        return "Flatten()"


class Reshape(Layer):
    """Rows (N, C·H·W) → images (N, C, H, W) for (6.8); images of that shape pass unchanged.

    Lets `nndl.nn.fit`, which takes an (N, D) matrix, train a convolutional network.
    """

    def __init__(self, shape) -> None:
        super().__init__()
        if not isinstance(shape, (tuple, list)) or not shape:
            raise TypeError(f"shape must be a tuple of sizes such as (C, H, W), got {shape!r}")
        self.shape = tuple(_int(s, "every entry of shape", 1) for s in shape)
        self._in = None

    def forward(self, x):
        x = as_real_array(x, "x")
        size = int(np.prod(self.shape))
        if x.shape[1:] == self.shape:
            self._in = x.shape
            return x
        if x.ndim == 2 and x.shape[1] == size:
            self._in = x.shape
            return x.reshape((x.shape[0],) + self.shape)
        raise ValueError(
            f"expected images of shape (N, {', '.join(map(str, self.shape))}) or rows "
            f"(N, {size}), got shape {x.shape}"
        )

    def backward(self, dy):
        shape = self._cached("_in")
        dy = self._check_dy(dy, (shape[0], *self.shape), "Reshape")
        return dy.reshape(shape)

    def __repr__(self) -> str:
        return f"Reshape({self.shape})"


# ----------------------------------------------------------------------------------- LeNet-5
#: Figure 6.5 / LeCun et al. (1998), Table I: T[p, k] = True when C3 map k uses S2 map p.
#: Maps 0–5: 3 consecutive S2 maps; 6–11: 4 consecutive; 12–14: 4 non-consecutive; 15: all 6.
LENET_C3_TABLE = np.zeros((6, 16), dtype=bool)
for _k in range(6):
    LENET_C3_TABLE[[(_k + i) % 6 for i in range(3)], _k] = True
for _k in range(6):
    LENET_C3_TABLE[[(_k + i) % 6 for i in range(4)], 6 + _k] = True
for _k, _ps in enumerate(([0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5])):
    LENET_C3_TABLE[_ps, 12 + _k] = True
LENET_C3_TABLE[:, 15] = True
LENET_C3_TABLE.flags.writeable = False  # a constant: Conv2D copies what it is given
del _k, _ps


class LeNet5(Sequential):
    """LeNet-5 of section 6.4 [LeCun et al., 1998] for 32×32 inputs:

    input (1, 32, 32) → C1 Conv 6@5×5 → tanh → S2 Subsampling 2×2 → tanh → C3 Conv 16@5×5 with
    the connection table of figure 6.5 → tanh → S4 Subsampling → tanh → C5 Conv 120@5×5 →
    tanh → Flatten → F6 Dense 120→84 → tanh → output Dense 84→10 (scores for softmax).

    The output layer: the draft's (and the paper's) 10 Euclidean RBF units with fixed 7×12
    bitmap prototypes are replaced by a dense layer and softmax cross-entropy
    (`nndl.nn.SoftmaxCrossEntropy`): the RBF prototypes are hand-drawn data the draft does
    not give, and softmax + cross-entropy is the output layer of chapters 3 and 5.
    The activation is plain tanh (the paper uses 1.7159·tanh(2a/3)).  Accepts (N, 1, 32, 32)
    images or (N, 1024) rows, so `nndl.nn.fit` trains it directly.
    """

    def __init__(
        self,
        num_classes: int = 10,
        rng=None,
        dtype=np.float64,
        table=LENET_C3_TABLE,
        activation: str = "tanh",
    ) -> None:
        dtype = as_float_dtype(dtype)
        rng = np.random.default_rng(rng)
        act = lambda: Activation(activation)  # noqa: E731
        layers = [
            Reshape((1, 32, 32)),
            Conv2D(1, 6, 5, rng=rng, dtype=dtype),
            act(),  # C1
            Subsampling(6, 2, dtype=dtype),
            act(),  # S2
            Conv2D(6, 16, 5, table=table, rng=rng, dtype=dtype),
            act(),  # C3
            Subsampling(16, 2, dtype=dtype),
            act(),  # S4
            Conv2D(16, 120, 5, rng=rng, dtype=dtype),
            act(),  # C5
            Flatten(),
            Dense(120, 84, init="glorot", rng=rng, dtype=dtype),
            act(),  # F6
            Dense(84, _int(num_classes, "num_classes", 2), init="glorot", rng=rng, dtype=dtype),
        ]
        super().__init__(layers)
        self.names = {1: "C1", 3: "S2", 5: "C3", 7: "S4", 9: "C5", 12: "F6", 14: "output"}

    def feature_maps(self, x) -> dict[str, np.ndarray]:
        """Forward ``x`` and return the activated maps of every named layer (after its tanh)."""
        out, maps = x, {}
        for i, layer in enumerate(self.layers):
            out = layer.forward(out)
            name = self.names.get(i - 1)
            if name is not None and isinstance(layer, Activation):
                maps[name] = out
        return maps

    def summary_rows(self):
        """(name, layer, output shape, trainable parameters, connections) per named layer."""
        rows, shape = [], (1, 32, 32)
        for i, layer in enumerate(self.layers):
            if isinstance(layer, (Conv2D, Subsampling)):
                shape = layer.output_shape(shape[1:] if isinstance(layer, Conv2D) else shape)
                units = int(np.prod(shape))
                if isinstance(layer, Conv2D):
                    params = layer.num_trainable
                    conns = params * shape[1] * shape[2]  # every weight used at every position
                else:
                    params = layer.num_trainable
                    conns = units * (layer.size**2 + 1)  # 4 inputs + bias per unit
                rows.append((self.names[i], repr(layer), shape, params, conns))
            elif isinstance(layer, Dense):
                shape = (layer.out_features,)
                params = layer.params["W"].size + layer.params["b"].size
                rows.append((self.names[i], repr(layer), shape, params, params))
        return rows

    def summary(self) -> str:
        """A table: layer, output shape, trainable parameters, connections (biases included).

        At most 76 characters a line, so it fits a notebook's output box on the site.
        """
        lines = [f"{'layer':<7}{'type':<26}{'output':>10}{'params':>10}{'connections':>13}"]
        tp = tc = 0
        for (name, _, shape, p, c), layer in zip(self.summary_rows(), self._summary_layers()):
            kind = _brief(layer)
            lines.append(f"{name:<7}{kind:<26}{'×'.join(map(str, shape)):>10}{p:>10,}{c:>13,}")
            tp, tc = tp + p, tc + c
        lines.append(f"{'total':<7}{'':<26}{'':>10}{tp:>10,}{tc:>13,}")
        return "\n".join(lines)

    def _summary_layers(self):
        return [layer for layer in self.layers if isinstance(layer, (Conv2D, Subsampling, Dense))]


def _brief(layer) -> str:
    """A short description of a LeNet-5 layer for `LeNet5.summary` ("Conv2D 6→16, 5×5, table")."""
    if isinstance(layer, Conv2D):
        kh, kw = layer.kernel_size
        extra = "" if layer.table is None else ", table"
        return f"Conv2D {layer.in_channels}→{layer.out_channels}, {kh}×{kw}{extra}"
    if isinstance(layer, Subsampling):
        return f"Subsampling {layer.size}×{layer.size}"
    return f"Dense {layer.in_features}→{layer.out_features}"
