"""The one timing helper the benchmark scripts share (run them from the repository root)."""
from __future__ import annotations

import statistics
import time


def best_and_median(fn, repeat: int) -> tuple[float, float]:
    """Call ``fn`` once to warm up, then ``repeat`` times; return the best and median seconds."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)
