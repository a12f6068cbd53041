"""Readable vectorized forms vs the tuned engines: what the tuning buys (DESIGN: three forms).

- convolution: `conv.correlate2d_vectorized` / `correlate2d_backward_vectorized` (a window view
  and one ``tensordot`` each way) against the tuned `conv.correlate2d` / `correlate2d_backward`
  (flat-line im2col in cache-sized chunks, scratch arrays, threads), for LeNet's C1 and C3 and a
  mid-size layer, float32 and float64.  The vectorized backward also returns db (a sum over dy,
  under 1 % of the time);
- LSTM forward, T=50, N=32, D=64, H=128, float32, no peepholes: `rnn.lstm_forward_vectorized`
  (one input GEMM, then `lstm_step` gate by gate with the plain logistic) against the tuned
  `rnn.lstm_forward` and the per-gate `lstm_forward_reference`.

Every pair must agree before it is timed (float64 to 1e-10, float32 to 1e-4 relative).  The
forms are timed in the same rounds (``runs`` rounds of best-of-``repeat``, interleaved), and the
table keeps each entry's best over the rounds.  Run it at one thread:

    OPENBLAS_NUM_THREADS=1 NNDL_NUM_THREADS=1 .venv/bin/python benchmarks/bench_forms.py [repeat] [runs]
"""

from __future__ import annotations

import sys

import numpy as np
from bench_conv import CONV_CASES
from bench_rnn import CASES as RNN_CASES
from timing import best_and_median

from nndl import conv, rnn
from nndl.gradcheck import relative_error


def _agree(a, b, dtype):
    tol = 1e-10 if dtype == np.float64 else 1e-4
    for u, v in zip(a, b):
        assert relative_error(u, v) < tol, relative_error(u, v)


def cases():
    """(label, dtype, {form: fn}) for every timed entry, after checking that the forms agree."""
    out = []
    for name, N, C, K, H, k, p in CONV_CASES:
        for dtype in (np.float32, np.float64):
            rng = np.random.default_rng(0)
            x = rng.normal(size=(N, C, H, H)).astype(dtype)
            w = rng.normal(size=(K, C, k, k)).astype(dtype)
            y = conv.correlate2d(x, w, 1, p)
            dy = rng.normal(size=y.shape).astype(dtype)
            _agree([conv.correlate2d_vectorized(x, w, 1, p)], [y], dtype)
            _agree(
                conv.correlate2d_backward_vectorized(dy, x, w, 1, p)[:2],
                conv.correlate2d_backward(dy, x, w, 1, p),
                dtype,
            )
            out.append(
                (
                    f"{name} forward",
                    dtype,
                    {
                        "tuned": lambda x=x, w=w, p=p: conv.correlate2d(x, w, 1, p),
                        "vectorized": lambda x=x, w=w, p=p: conv.correlate2d_vectorized(x, w, 1, p),
                    },
                )
            )
            out.append(
                (
                    f"{name} backward",
                    dtype,
                    {
                        "tuned": lambda dy=dy, x=x, w=w, p=p: conv.correlate2d_backward(dy, x, w, 1, p),
                        "vectorized": lambda dy=dy, x=x, w=w, p=p: conv.correlate2d_backward_vectorized(
                            dy, x, w, 1, p
                        ),
                    },
                )
            )
    T, N, D, H = RNN_CASES[0]
    dtype = np.float32
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, T, D)).astype(dtype)
    W, U, b = (rnn.LSTM(D, H, peephole=False, rng=0, dtype=dtype).params[k] for k in "WUb")
    _agree([rnn.lstm_forward_vectorized(x, W, U, b)[0]], [rnn.lstm_forward(x, W, U, b)[0]], dtype)
    out.append(
        (
            f"LSTM forward T={T}, N={N}, D={D}, H={H}",
            dtype,
            {
                "tuned": lambda: rnn.lstm_forward(x, W, U, b),
                "vectorized": lambda: rnn.lstm_forward_vectorized(x, W, U, b),
                "reference": lambda: rnn.lstm_forward_reference(x, W, U, b),
            },
        )
    )
    return out


def main(repeat: int = 7, runs: int = 3) -> None:
    entries = cases()
    best = [{form: np.inf for form in fns} for _, _, fns in entries]
    with rnn.blas_threads(1):
        for r in range(runs):
            for (_, _, fns), b in zip(entries, best):
                for form, fn in fns.items():
                    b[form] = min(b[form], best_and_median(fn, repeat)[0])
            print(f"round {r + 1} of {runs} done", file=sys.stderr, flush=True)
    print("| kernel | dtype | tuned ms | vectorized ms | vectorized / tuned | reference ms |")
    print("|---|---|---:|---:|---:|---:|")
    for (label, dtype, _), b in zip(entries, best):
        ref = f"{1e3 * b['reference']:.2f}" if "reference" in b else "–"
        print(
            f"| {label} | {np.dtype(dtype).name} | {1e3 * b['tuned']:.2f} | "
            f"{1e3 * b['vectorized']:.2f} | {b['vectorized'] / b['tuned']:.2f}× | {ref} |"
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
