"""Convolution and pooling: the fast NumPy kernels of `nndl.conv` vs loop references and PyTorch CPU.

For every case and dtype it times forward and backward (dX, dW and db for `Conv2D`) of

- the fast layer (`nndl.conv.Conv2D`, `MaxPool2D`, `AvgPool2D`),
- the loop reference (`correlate2d_reference` / `correlate2d_backward_reference`, the pooling
  `*_reference`), run on a slice of the batch and scaled linearly to the full N (the loops
  cost exactly the same for every sample, and the full batch would take minutes),
- and, when `torch` is importable, `torch.nn.functional.conv2d` / `max_pool2d` / `avg_pool2d`
  forward and `torch.ops.aten.convolution_backward` / `max_pool2d_with_indices_backward` /
  `avg_pool2d_backward`, on the CPU with the same number of threads as NumPy's BLAS.

Before timing, the three implementations must agree (float64 to 1e-10, float32 to 1e-3 relative).
Times are the minimum (best) over ``repeat`` runs (default 7); the median is printed as well.
Convolution GFLOP/s count 2·N·K·C·kh·kw·H′·W′ multiply-adds for forward and twice that for
backward, compared with the machine's matmul GFLOP/s (a 1024×1024 by 1024×1024 product).

    .venv/bin/python benchmarks/bench_conv.py [repeat] [--markdown] [--runs=R] [--json=path] [--conv-only]

The thread count is BLAS's (``OPENBLAS_NUM_THREADS=1`` for one thread); ``--conv-only`` skips
pooling (the guard rails of issue 13 are Conv2D's forward + backward time against PyTorch's).

With ``--runs=R`` the whole benchmark is repeated R times and a last table keeps, for every
entry, the best time over the runs (on a shared machine the slow outliers are other processes).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
from timing import best_and_median

from nndl import conv

CONV_CASES = [  # name, N, C, K, H, k, padding
    ("LeNet C1: N=64, 1→6, 32×32, 5×5", 64, 1, 6, 32, 5, 0),
    ("LeNet C3: N=64, 6→16, 14×14, 5×5", 64, 6, 16, 14, 5, 0),
    ("mid: N=32, 32→64, 32×32, 3×3, pad 1", 32, 32, 64, 32, 3, 1),
]
POOL_CASES = [  # name, shape
    ("S2: 64×6×28×28", (64, 6, 28, 28)),
    ("S4: 64×16×10×10", (64, 16, 10, 10)),
    ("mid: 32×64×32×32", (32, 64, 32, 32)),
]


def blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info

        n = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
        if n:
            return int(n[0])
    except ImportError:
        pass
    return os.cpu_count() or 1


def matmul_gflops(dtype, repeat: int) -> float:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 1024, 1024)).astype(dtype)
    best, _ = best_and_median(lambda: a @ b, repeat)
    return 2 * 1024**3 / best / 1e9


def _close(a, b, dtype):
    tol = 1e-10 if dtype == np.float64 else 1e-3
    scale = max(float(np.max(np.abs(b))), 1e-30)
    err = float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))) / scale
    assert err < tol, err


def bench_conv(repeat, torch=None):
    rows = []
    for name, N, C, K, H, k, p in CONV_CASES:
        for dtype in (np.float32, np.float64):
            rng = np.random.default_rng(0)
            x = rng.normal(size=(N, C, H, H)).astype(dtype)
            layer = conv.Conv2D(C, K, k, padding=p, rng=0, dtype=dtype)
            y = layer.forward(x)
            dy = rng.normal(size=y.shape).astype(dtype)
            dx = layer.backward(dy)
            W = layer.params["W"]
            # reference on n_ref samples, scaled to N
            n_ref = 1 if C * K * H * H > 20000 else 4
            xr, dyr = x[:n_ref], dy[:n_ref]
            t0 = time.perf_counter()
            yr = conv.correlate2d_reference(xr, W, 1, p)
            ref_f = (time.perf_counter() - t0) * N / n_ref
            t0 = time.perf_counter()
            dxr, _ = conv.correlate2d_backward_reference(dyr, xr, W, 1, p)
            ref_b = (time.perf_counter() - t0) * N / n_ref
            _close(y[:n_ref] - layer.params["b"][:, None, None], yr, dtype)
            _close(dx[:n_ref], dxr, dtype)
            f_best, f_med = best_and_median(lambda: layer.forward(x), repeat)
            b_best, b_med = best_and_median(lambda: layer.backward(dy), repeat)
            row = dict(
                kind="conv",
                name=name,
                dtype=np.dtype(dtype).name,
                fwd=f_best,
                fwd_med=f_med,
                bwd=b_best,
                bwd_med=b_med,
                ref_fwd=ref_f,
                ref_bwd=ref_b,
                flops=2.0 * N * K * C * k * k * y.shape[2] * y.shape[3],
            )
            if torch is not None:
                F = torch.nn.functional
                tx, tw, tb = (
                    torch.from_numpy(x),
                    torch.from_numpy(W.copy()),
                    torch.from_numpy(layer.params["b"].copy()),
                )
                tdy = torch.from_numpy(dy)
                _close(F.conv2d(tx, tw, tb, padding=p).numpy(), y, dtype)
                tdx = torch.ops.aten.convolution_backward(
                    tdy, tx, tw, [K], [1, 1], [p, p], [1, 1], False, [0, 0], 1, [True, True, True]
                )[0]
                _close(tdx.numpy(), dx, dtype)
                with torch.no_grad():
                    row["torch_fwd"], _ = best_and_median(lambda: F.conv2d(tx, tw, tb, padding=p), repeat)
                    row["torch_bwd"], _ = best_and_median(
                        lambda: torch.ops.aten.convolution_backward(
                            tdy, tx, tw, [K], [1, 1], [p, p], [1, 1], False, [0, 0], 1, [True, True, True]
                        ),
                        repeat,
                    )
            rows.append(row)
    return rows


def bench_pool(repeat, torch=None):
    rows = []
    for name, shape in POOL_CASES:
        for dtype in (np.float32, np.float64):
            rng = np.random.default_rng(1)
            x = rng.normal(size=shape).astype(dtype)
            for kind, layer, ref_f, ref_b in (
                (
                    "max",
                    conv.MaxPool2D(2),
                    conv.max_pool2d_reference,
                    lambda dy, x: conv.max_pool2d_backward_reference(dy, x),
                ),
                (
                    "avg",
                    conv.AvgPool2D(2),
                    conv.avg_pool2d_reference,
                    lambda dy, x: conv.avg_pool2d_backward_reference(dy, x.shape),
                ),
            ):
                y = layer.forward(x)
                dy = rng.normal(size=y.shape).astype(dtype)
                dx = layer.backward(dy)
                n_ref = 2
                t0 = time.perf_counter()
                yr = ref_f(x[:n_ref])
                rf = (time.perf_counter() - t0) * shape[0] / n_ref
                t0 = time.perf_counter()
                dxr = ref_b(dy[:n_ref], x[:n_ref])
                rb = (time.perf_counter() - t0) * shape[0] / n_ref
                _close(y[:n_ref], yr, dtype)
                _close(dx[:n_ref], dxr, dtype)
                f_best, f_med = best_and_median(lambda: layer.forward(x), repeat)
                b_best, b_med = best_and_median(lambda: layer.backward(dy), repeat)
                row = dict(
                    kind=f"{kind}pool",
                    name=name,
                    dtype=np.dtype(dtype).name,
                    fwd=f_best,
                    fwd_med=f_med,
                    bwd=b_best,
                    bwd_med=b_med,
                    ref_fwd=rf,
                    ref_bwd=rb,
                )
                if torch is not None:
                    F, tx, tdy = torch.nn.functional, torch.from_numpy(x), torch.from_numpy(dy)
                    if kind == "max":
                        ty, idx = F.max_pool2d(tx, 2, return_indices=True)
                        tdx = torch.ops.aten.max_pool2d_with_indices_backward(
                            tdy, tx, [2, 2], [2, 2], [0, 0], [1, 1], False, idx
                        )
                        fwd = lambda: F.max_pool2d(tx, 2)  # noqa: E731
                        bwd = lambda: torch.ops.aten.max_pool2d_with_indices_backward(  # noqa: E731
                            tdy, tx, [2, 2], [2, 2], [0, 0], [1, 1], False, idx
                        )
                    else:
                        ty = F.avg_pool2d(tx, 2)
                        tdx = torch.ops.aten.avg_pool2d_backward(
                            tdy, tx, [2, 2], [2, 2], [0, 0], False, True, None
                        )
                        fwd = lambda: F.avg_pool2d(tx, 2)  # noqa: E731
                        bwd = lambda: torch.ops.aten.avg_pool2d_backward(  # noqa: E731
                            tdy, tx, [2, 2], [2, 2], [0, 0], False, True, None
                        )
                    _close(ty.numpy(), y, dtype)
                    _close(tdx.numpy(), dx, dtype)
                    with torch.no_grad():
                        row["torch_fwd"], _ = best_and_median(fwd, repeat)
                        row["torch_bwd"], _ = best_and_median(bwd, repeat)
                rows.append(row)
    return rows


def table(rows, mm, markdown=False):
    head = [
        "layer",
        "case",
        "dtype",
        "fwd ms",
        "bwd ms",
        "ref fwd ×",
        "ref bwd ×",
        "torch fwd ms",
        "torch bwd ms",
        "fwd vs torch",
        "bwd vs torch",
        "fwd+bwd vs torch",
        "fwd GFLOP/s",
        "bwd GFLOP/s",
    ]
    out = []
    for r in rows:
        t = "torch_fwd" in r
        gf = (
            f"{r['flops'] / r['fwd'] / 1e9:.1f} ({100 * r['flops'] / r['fwd'] / 1e9 / mm[r['dtype']]:.0f}%)"
            if "flops" in r
            else ""
        )
        gb = (
            f"{2 * r['flops'] / r['bwd'] / 1e9:.1f} "
            f"({100 * 2 * r['flops'] / r['bwd'] / 1e9 / mm[r['dtype']]:.0f}%)"
            if "flops" in r
            else ""
        )
        out.append(
            [
                r["kind"],
                r["name"],
                r["dtype"],
                f"{1e3 * r['fwd']:.2f}",
                f"{1e3 * r['bwd']:.2f}",
                f"{r['ref_fwd'] / r['fwd']:,.0f}×",
                f"{r['ref_bwd'] / r['bwd']:,.0f}×",
                f"{1e3 * r['torch_fwd']:.2f}" if t else "–",
                f"{1e3 * r['torch_bwd']:.2f}" if t else "–",
                f"{r['fwd'] / r['torch_fwd']:.2f}" if t else "–",
                f"{r['bwd'] / r['torch_bwd']:.2f}" if t else "–",
                f"{(r['fwd'] + r['bwd']) / (r['torch_fwd'] + r['torch_bwd']):.2f}" if t else "–",
                gf,
                gb,
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(o) + " |" for o in out]
        return "\n".join(lines)
    widths = [max(len(h), *(len(o[i]) for o in out)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head)] + [fmt.format(*o) for o in out])


def main(repeat: int = 7, markdown: bool = False, conv_only: bool = False):
    threads = blas_threads()
    os.environ["NNDL_NUM_THREADS"] = str(threads)  # nndl.conv splits small layers' batches
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        torch = None
    mm = {"float32": matmul_gflops(np.float32, repeat), "float64": matmul_gflops(np.float64, repeat)}
    rows = bench_conv(repeat, torch) + ([] if conv_only else bench_pool(repeat, torch))
    print(
        f"NumPy {np.__version__}, BLAS and nndl threads {threads}"
        + (
            f", torch {torch.__version__} threads {torch.get_num_threads()}"
            if torch
            else ", torch not installed"
        )
    )
    print(f"matmul 1024³: float32 {mm['float32']:.1f} GFLOP/s, float64 {mm['float64']:.1f} GFLOP/s")
    print(
        f"best of {repeat}; 'ref ×' = loop reference time / fast time; "
        "'vs torch' = fast / torch (< 1: faster)"
    )
    print(table(rows, mm, markdown))
    return rows, mm


def best_of_runs(runs):
    """Merge several runs' rows: for every case the smallest time of each column (the machine
    is shared, so slow outliers are other processes, not the kernels)."""
    merged = [dict(r) for r in runs[0]]
    for rows in runs[1:]:
        for m, r in zip(merged, rows):
            for k, v in r.items():
                if isinstance(v, float) and k != "flops" and not k.startswith("ref_"):
                    m[k] = min(m[k], v)
    return merged


if __name__ == "__main__":
    import json

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--runs=")), 1))
    collected, rates = [], []
    for _ in range(runs):
        rows, mm = main(
            int(args[0]) if args else 7,
            markdown="--markdown" in sys.argv,
            conv_only="--conv-only" in sys.argv,
        )
        collected.append(rows)
        rates.append(mm)
    if runs > 1:
        mm = {k: max(r[k] for r in rates) for k in mm}  # the best matmul rate seen
        print(
            f"\nbest over {runs} runs (matmul 1024³: float32 {mm['float32']:.1f}, "
            f"float64 {mm['float64']:.1f} GFLOP/s, the best of the runs):"
        )
        print(table(best_of_runs(collected), mm, "--markdown" in sys.argv))
    out = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--json=")), None)
    if out:
        with open(out, "w") as fh:
            json.dump({"runs": collected, "matmul_gflops": mm}, fh, indent=1)
