"""nndl._parallel: thread count from the environment, ordered map, per-thread scratch arrays."""

import threading

import numpy as np
import pytest

from nndl import _parallel


def test_num_threads_reads_the_environment(monkeypatch):
    monkeypatch.setenv("NNDL_NUM_THREADS", "3")
    assert _parallel.num_threads() == 3
    monkeypatch.delenv("NNDL_NUM_THREADS")
    assert _parallel.num_threads() >= 1
    monkeypatch.setenv("NNDL_NUM_THREADS", "1.5")
    with pytest.raises(ValueError, match="positive integer, got '1.5'"):
        _parallel.num_threads()


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_map_in_order_keeps_the_order(threads):
    items = list(range(23))
    assert _parallel.map_in_order(lambda i: i * i, items, threads) == [i * i for i in items]


def test_scratch_is_reused_per_key_and_private_to_a_thread():
    a = _parallel.scratch("t", (3, 4), np.float32)
    assert a is _parallel.scratch("t", (3, 4), np.float32)
    assert a is not _parallel.scratch("t", (3, 5), np.float32)
    assert a is not _parallel.scratch("t", (3, 4), np.float64)
    assert a is not _parallel.scratch("u", (3, 4), np.float32)
    other = []
    worker = threading.Thread(target=lambda: other.append(_parallel.scratch("t", (3, 4), np.float32)))
    worker.start()
    worker.join()
    assert other[0] is not a


def test_scratch_keeps_a_bounded_number_of_arrays():
    first = _parallel.scratch("bounded", (1,), np.float64)
    for n in range(2, 2 + _parallel._SCRATCH_ENTRIES):
        _parallel.scratch("bounded", (n,), np.float64)
    assert len(_parallel._local.arrays) <= _parallel._SCRATCH_ENTRIES
    assert _parallel.scratch("bounded", (1,), np.float64) is not first  # dropped, made anew


@pytest.mark.parametrize(
    "files,expected",
    [
        ({"cpu.max": "200000 100000\n"}, 2),  # cgroup v2, 2 CPUs
        ({"cpu.max": "150000 100000\n"}, 1),  # 1.5 CPUs: one whole CPU
        ({"cpu.max": "max 100000\n"}, None),  # v2, no quota
        ({"quota": "300000\n", "period": "100000\n"}, 3),  # cgroup v1
        ({"quota": "-1\n", "period": "100000\n"}, None),  # v1, no quota
        ({}, None),  # no cgroup files at all
    ],
)
def test_cgroup_quota(tmp_path, monkeypatch, files, expected):
    paths = (tmp_path / "cpu.max", tmp_path / "quota", tmp_path / "period")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(_parallel, "_CGROUP_FILES", tuple(str(p) for p in paths))
    assert _parallel._cgroup_cpus() == expected
    monkeypatch.delenv("NNDL_NUM_THREADS", raising=False)
    _parallel._usable_cores.cache_clear()
    try:
        cores = _parallel.num_threads()
    finally:
        _parallel._usable_cores.cache_clear()
    assert cores >= 1 and (expected is None or cores <= expected)
