"""Independent pieces of a batch on several cores.

NumPy releases the GIL inside copies, ufuncs and matrix products, so plain Python threads run
the pieces of a batch in parallel.  The kernels use this where BLAS would not: a product as small
as one LeNet image's im2col GEMM runs on one core inside OpenBLAS.  Results do not depend on the
number of threads: the pieces are fixed by the data, and partial sums are added in order.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

_pool: ThreadPoolExecutor | None = None


def num_threads() -> int:
    """``NNDL_NUM_THREADS`` if set, else the number of cores this process may run on."""
    env = os.environ.get("NNDL_NUM_THREADS", "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ValueError(f"NNDL_NUM_THREADS must be a positive integer, got {env!r}")
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                                 # macOS, Windows
        return os.cpu_count() or 1


def map_in_order(fn, items, threads: int):
    """[fn(item) for item in items], on up to ``threads`` threads."""
    global _pool
    threads = min(threads, len(items))
    if threads < 2:
        return [fn(item) for item in items]
    if _pool is None or _pool._max_workers < threads:
        _pool = ThreadPoolExecutor(threads, thread_name_prefix="nndl")
    return list(_pool.map(fn, items))
