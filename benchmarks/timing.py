"""The one timing helper the benchmark scripts share (run them from the repository root)."""

from __future__ import annotations

import statistics
import time

#: Seconds of untimed calls before timing.  Two effects need it on the 2-core machine this was
#: measured on: OpenBLAS's and PyTorch's OpenMP worker threads spin for a while after each call
#: and take a core from whichever library is timed next, and the first calls of a function pay
#: for fresh memory (glibc adapts its mmap threshold after a few large frees).  An LSTM forward
#: pass measured 7.5 ms as the best of 7 right after creating the layer, 4.3 ms after warming up.
WARMUP = 0.3


def best_and_median(fn, repeat: int) -> tuple[float, float]:
    """Call ``fn`` for `WARMUP` seconds untimed, then ``repeat`` times; return the best and
    median seconds."""
    end = time.perf_counter() + WARMUP
    fn()
    while time.perf_counter() < end:
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)
