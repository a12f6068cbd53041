"""Averaged perceptron: the naive average (4.16)-(4.17) against the lazy update of Algorithm 4.3.

The naive version adds the dense weight vector to a running sum after *every* sample; the lazy
one touches dense vectors only when a mistake is made.  Both run the same training loop
(`nndl.perceptron.averaged_perceptron`) and must return the same w̄ to 1e-12 relative to its
largest entry (both sum thousands of rounded terms; on inputs that are not exactly
representable, such as standardised pixels, the absolute difference reaches ~1e-11 for |w̄| ~ 50).

    .venv/bin/python benchmarks/bench_perceptron.py          # about a minute
"""

from __future__ import annotations

import sys
import time

import numpy as np

from nndl import perceptron as P


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cases():
    from nndl.data import load_digits, standardize

    X, y = load_digits()
    Xs = P.augment(standardize(X)[0])
    yield "digits, 10 classes (C·D = 650), T = 10", Xs, y, True, 10
    yield (
        "digits 3 vs 8, binary (D = 65), T = 10",
        Xs[np.isin(y, (3, 8))],
        np.where(y[np.isin(y, (3, 8))] == 3, 1, -1),
        False,
        10,
    )
    rng = np.random.default_rng(0)
    for D in (1_000, 10_000):
        w = rng.normal(size=D)
        Xr = rng.normal(size=(1000, D))
        yr = np.where(Xr @ w + 0.5 * np.sqrt(D) * rng.normal(size=1000) > 0, 1, -1)  # noisy
        yield f"random, binary (D = {D:,}), N = 1000, T = 5", P.augment(Xr), yr, False, 5


def main(repeat: int = 3) -> list[tuple[str, float, float, float]]:
    rows = []
    for name, X, y, multiclass, epochs in cases():
        runs = {}

        def train(method):
            runs[method] = P.averaged_perceptron(X, y, epochs=epochs, method=method, multiclass=multiclass)

        naive = best_time(lambda: train("naive"), repeat)
        lazy = best_time(lambda: train("lazy"), repeat)
        scale = float(np.max(np.abs(runs["naive"].w_average)))
        diff = float(np.max(np.abs(runs["naive"].w_average - runs["lazy"].w_average))) / scale
        assert diff <= 1e-12, (name, diff)
        rows.append((name, naive, lazy, naive / lazy))
        print(
            f"{name:46s} naive {naive * 1e3:8.1f} ms   lazy {lazy * 1e3:8.1f} ms   "
            f"speedup {naive / lazy:5.2f}x   updates {runs['lazy'].n_updates:5d}   "
            f"rel. diff {diff:.1e}",
            flush=True,
        )
    return rows


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
