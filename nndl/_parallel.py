"""Independent pieces of a batch on several cores.

NumPy releases the GIL inside copies, ufuncs and matrix products, so plain Python threads run
the pieces of a batch in parallel.  The kernels use this where BLAS would not: a product as small
as one LeNet image's im2col GEMM runs on one core inside OpenBLAS.  Results do not depend on the
number of threads: the pieces are fixed by the data, and partial sums are added in order.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_pool: ThreadPoolExecutor | None = None


def num_threads() -> int:
    """``NNDL_NUM_THREADS`` if set, else the cores this process may run on, capped by a cgroup CPU
    quota (Binder and Docker's ``--cpus`` show every core of the host but allow only a few)."""
    env = os.environ.get("NNDL_NUM_THREADS", "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ValueError(f"NNDL_NUM_THREADS must be a positive integer, got {env!r}")
        return int(env)
    return _usable_cores()


@functools.lru_cache(maxsize=None)
def _usable_cores() -> int:
    """Cores of the affinity mask, capped by the cgroup quota; read once (38 µs a call)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    quota = _cgroup_cpus()
    return cores if quota is None else max(1, min(cores, quota))


#: cgroup v2's "quota period" file, then cgroup v1's quota and period files.
_CGROUP_FILES = (
    "/sys/fs/cgroup/cpu.max",
    "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
)


def _cgroup_cpus() -> int | None:
    """Whole CPUs the cgroup CPU quota allows, or None when there is no quota."""

    def read(path):
        with open(path) as fh:
            return fh.read().split()

    try:
        quota, period = read(_CGROUP_FILES[0])[:2]  # "max 100000" or "200000 100000"
    except (OSError, ValueError):
        try:
            quota, period = read(_CGROUP_FILES[1])[0], read(_CGROUP_FILES[2])[0]  # "-1": none
        except (OSError, IndexError):
            return None
    if not (quota.isdigit() and period.isdigit()) or int(period) == 0:
        return None
    return max(1, int(quota) // int(period))


def map_in_order(fn, items, threads: int):
    """[fn(item) for item in items], on up to ``threads`` threads.

    The items are cut into ``threads`` contiguous groups; the calling thread runs the first group
    itself while pool threads run the others, so a call wakes ``threads − 1`` threads once each.
    """
    global _pool
    items = list(items)
    threads = min(threads, len(items))
    if threads < 2:
        return [fn(item) for item in items]
    if _pool is None or _pool._max_workers < threads - 1:
        _pool = ThreadPoolExecutor(threads - 1, thread_name_prefix="nndl")
    bounds = [len(items) * k // threads for k in range(threads + 1)]
    groups = [items[bounds[k] : bounds[k + 1]] for k in range(threads)]
    futures = [_pool.submit(lambda group: [fn(item) for item in group], group) for group in groups[1:]]
    results = [fn(item) for item in groups[0]]
    for future in futures:
        results.extend(future.result())
    return results


_local = threading.local()
#: Arrays kept per thread by `scratch` (least recently used dropped first): enough for every
#: layer of LeNet-5, forward and backward.
_SCRATCH_ENTRIES = 32


def scratch(name: str, shape, dtype) -> np.ndarray:
    """An uninitialised array private to the calling thread, handed out again to the next call
    with the same name, shape and dtype.  Only for arrays that die before the kernel returns:
    never return one (or a view of one) to a caller, whose result the next call with the same
    shape would overwrite.  Fresh multi-megabyte arrays cost a page fault per 4 KiB on every call
    (LeNet's C1 backward pass took 4× longer with 3 MB of fresh columns per chunk than with 1.5 MB)."""
    store = getattr(_local, "arrays", None)
    if store is None:
        store = _local.arrays = OrderedDict()
    key = (name, tuple(shape), np.dtype(dtype))
    a = store.pop(key, None)
    if a is None:
        a = np.empty(shape, dtype)
        while len(store) >= _SCRATCH_ENTRIES:
            store.popitem(last=False)
    store[key] = a
    return a
