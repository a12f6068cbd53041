"""Recurrent kernels: fast `nndl.rnn` vs the per-step references vs PyTorch's CPU RNN/LSTM/GRU.

For each case (T, N, D, H) and dtype the script times ``forward`` and ``forward + backward``
(backward returns dL/dx and fills every parameter gradient) of

- the fast kernels (`SRN`, `LSTM` with and without peepholes, `GRU`),
- the per-step reference kernels (``reference=True``),
- ``torch.nn.RNN``/``LSTM``/``GRU`` on the CPU when torch is importable, with the same number of
  threads as NumPy's BLAS (``threads``, default 1: ``torch.set_num_threads`` and
  `nndl.rnn.blas_threads`; on a shared 2-core machine one thread gives stable timings), input
  ``requires_grad=True`` so that torch also computes dL/dx.  PyTorch's LSTM has no peepholes
  (compare with ``peephole=False``), and its GRU applies the reset gate after the product,
  r ⊙ (U h + b), while `nndl.rnn.GRU` follows (7.22), U(r ⊙ h): the same cost, a different model.

Before timing, fast and reference must agree (outputs and gradients to 1e-9 relative in
float64, 1e-4 in float32).  Every time is the best of ``repeat`` runs (the median is printed
too).

    .venv/bin/python benchmarks/bench_rnn.py [repeat] [threads]   # a few minutes with repeat = 7
    .venv/bin/python benchmarks/bench_rnn.py --guard [repeat] [runs] [before.py]   # issue 13

``--guard`` times only the guard rail of issue 13: LSTM (no peepholes) forward + backward at
T=50, N=32, D=64, H=128 in float32, one thread for NumPy and PyTorch, ``runs`` rounds of
best-of-``repeat`` (ours, an older rnn.py if given, and PyTorch's interleaved, so all see the
same machine), and prints the best ratios to PyTorch (the target is <= 2).
"""

from __future__ import annotations

import sys

import numpy as np
from timing import best_and_median

from nndl import rnn
from nndl.gradcheck import relative_error

CASES = [(50, 32, 64, 128), (100, 1, 10, 20)]  # (T, N, D, H)
MODELS = [
    ("SRN", lambda D, H, dt, ref: rnn.SRN(D, H, rng=0, dtype=dt, reference=ref), "RNN"),
    ("LSTM", lambda D, H, dt, ref: rnn.LSTM(D, H, peephole=False, rng=0, dtype=dt, reference=ref), "LSTM"),
    ("LSTM+peephole", lambda D, H, dt, ref: rnn.LSTM(D, H, rng=0, dtype=dt, reference=ref), None),
    ("GRU", lambda D, H, dt, ref: rnn.GRU(D, H, rng=0, dtype=dt, reference=ref), "GRU"),
]


def check_agree(fast, ref, x, dh, tol):
    y1, y2 = fast.forward(x), ref.forward(x)
    assert relative_error(y1, y2) < tol
    assert relative_error(fast.backward(dh), ref.backward(dh)) < tol
    for k in fast.grads:
        assert relative_error(fast.grads[k], ref.grads[k]) < tol, k


def main(repeat: int = 7, threads: int = 1):
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(threads)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    with rnn.blas_threads(threads):
        return _run(repeat, torch)


def _run(repeat, torch):
    rows = []
    for T, N, D, H in CASES:
        for dt in (np.float32, np.float64):
            rng = np.random.default_rng(0)
            x = rng.normal(size=(N, T, D)).astype(dt)
            dh = rng.normal(size=(N, T, H)).astype(dt)
            for name, make, tname in MODELS:
                fast, ref = make(D, H, dt, False), make(D, H, dt, True)
                check_agree(fast, ref, x, dh, 1e-4 if dt == np.float32 else 1e-9)
                row = {"case": f"T={T}, N={N}, D={D}, H={H}", "dtype": np.dtype(dt).name, "model": name}
                for label, layer in (("fast", fast), ("ref", ref)):
                    row[f"{label}_fwd"] = best_and_median(lambda: layer.forward(x), repeat)
                    row[f"{label}_fb"] = best_and_median(
                        lambda: (layer.forward(x), layer.backward(dh)), repeat
                    )
                if torch is not None and tname is not None:
                    tdt = torch.float32 if dt == np.float32 else torch.float64
                    mod = getattr(torch.nn, tname)(D, H, batch_first=True).to(tdt)
                    tx = torch.from_numpy(x).requires_grad_(True)
                    tdh = torch.from_numpy(dh)

                    def tf():
                        return mod(tx)[0]

                    def tfb():
                        mod.zero_grad(set_to_none=True)
                        tx.grad = None
                        mod(tx)[0].backward(tdh)

                    row["torch_fwd"] = best_and_median(tf, repeat)
                    row["torch_fb"] = best_and_median(tfb, repeat)
                rows.append(row)
                ms = lambda v: f"{1e3 * v[0]:8.2f}" if v else "       –"
                print(
                    f"{row['case']:26s} {row['dtype']:7s} {name:14s} "
                    f"fwd fast {ms(row['fast_fwd'])} ref {ms(row['ref_fwd'])} "
                    f"torch {ms(row.get('torch_fwd'))} | fwd+bwd fast {ms(row['fast_fb'])} "
                    f"ref {ms(row['ref_fb'])} torch {ms(row.get('torch_fb'))} ms",
                    flush=True,
                )
    return rows


def markdown(rows) -> str:
    out = [
        "| case | dtype | model | fwd fast | fwd ref | fwd torch | fwd+bwd fast | fwd+bwd ref "
        "| fwd+bwd torch | fast/torch fwd | fast/torch fwd+bwd |",
        "|---|---|---|" + "---:|" * 8,
    ]
    for r in rows:
        f = lambda k: f"{1e3 * r[k][0]:.2f} ms" if k in r else "–"
        ratio = lambda k: f"{r['fast_' + k][0] / r['torch_' + k][0]:.2f}×" if "torch_" + k in r else "–"
        out.append(
            f"| {r['case']} | {r['dtype']} | {r['model']} | {f('fast_fwd')} | "
            f"{f('ref_fwd')} | {f('torch_fwd')} | {f('fast_fb')} | {f('ref_fb')} | "
            f"{f('torch_fb')} | {ratio('fwd')} | {ratio('fb')} |"
        )
    return "\n".join(out)


def _module_from(path: str):
    """An older ``nndl/rnn.py`` (e.g. ``git show REV:nndl/rnn.py > /tmp/rnn_before.py``) loaded
    as ``nndl.rnn_before``, so that it imports today's `nndl` helpers."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("nndl.rnn_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def guard(repeat: int = 7, runs: int = 5, before: str | None = None) -> float:
    """Best-of-``runs`` ratio LSTM fwd+bwd time / PyTorch's, float32, one thread (issue 13).

    With ``before`` (the path of an older rnn.py) its LSTM is timed in the same rounds, so a
    change is judged on one machine state rather than across minutes of a noisy machine.
    """
    import torch

    T, N, D, H = CASES[0]
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, T, D)).astype(np.float32)
    dh = rng.normal(size=(N, T, H)).astype(np.float32)
    layers = {"ours": rnn.LSTM(D, H, peephole=False, rng=0, dtype=np.float32)}
    if before:
        layers["before"] = _module_from(before).LSTM(D, H, peephole=False, rng=0, dtype=np.float32)
    mod = torch.nn.LSTM(D, H, batch_first=True)
    tx, tdh = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(dh)

    def tfb():
        mod.zero_grad(set_to_none=True)
        tx.grad = None
        mod(tx)[0].backward(tdh)

    times = {name: [] for name in [*layers, "torch"]}
    with rnn.blas_threads(1):
        for _ in range(runs):
            for name, layer in layers.items():
                times[name].append(best_and_median(lambda: (layer.forward(x), layer.backward(dh)), repeat)[0])
            times["torch"].append(best_and_median(tfb, repeat)[0])
            print(
                "LSTM fwd+bwd float32 1 thread: "
                + ", ".join(f"{k} {1e3 * v[-1]:.2f} ms" for k, v in times.items()),
                flush=True,
            )
    best = {k: min(v) for k, v in times.items()}
    print(
        "best: " + ", ".join(f"{k} {1e3 * v:.2f} ms" for k, v in best.items()) + "; ratio to "
        "torch " + ", ".join(f"{k} {best[k] / best['torch']:.2f}" for k in layers) + " (target <= 2)"
    )
    return best["ours"] / best["torch"]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--guard"]:
        args = sys.argv[2:]
        guard(*(int(a) for a in args[:2]), *args[2:3])
        sys.exit(0)
    rows = main(int(sys.argv[1]) if len(sys.argv) > 1 else 7, int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    print()
    print(markdown(rows))
