"""Stored outputs reproduce on other machines: strict nbval again, under another CPU kernel.

The main pytest run validates every notebook with the BLAS kernel and thread count this machine
picks.  A reader's laptop picks others (AVX-512 on Intel, Apple's Accelerate, Windows builds), and
those change the last bits of matrix products.  A stored output that depends on those bits is a
bug, so this test runs strict nbval a second time in a child process with OpenBLAS forced to its
oldest generic x86-64 kernel (Prescott: SSE3, no AVX/FMA, so different rounding in every GEMM)
and one thread for both OpenBLAS and `nndl` (`NNDL_NUM_THREADS`).  Elsewhere (Accelerate, ARM)
the variables are ignored and the pass still checks the thread counts.

Set ``NNDL_SKIP_PORTABILITY=1`` to skip it while iterating on one notebook.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OTHER_MACHINE = {
    "OPENBLAS_CORETYPE": "Prescott",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "NNDL_NUM_THREADS": "1",
}


@pytest.mark.skipif(os.environ.get("NNDL_SKIP_PORTABILITY") == "1", reason="NNDL_SKIP_PORTABILITY=1")
def test_notebooks_reproduce_under_another_blas_kernel_and_one_thread():
    env = {**os.environ, **OTHER_MACHINE, "PYTHONIOENCODING": "utf-8"}
    # the configured addopts (strict nbval, sanitize file) apply to the child run as well
    # the originals only: notebooks/zh/ holds the same code cells (translated markdown)
    originals = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb"))
    cmd = [sys.executable, "-m", "pytest", *originals, "-q", "--no-header", "-rf"]
    result = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=1800,
    )
    summary = "\n".join(result.stdout.splitlines()[-60:])
    assert result.returncode == 0, (
        "strict nbval fails with "
        + " ".join(f"{k}={v}" for k, v in OTHER_MACHINE.items())
        + ": a stored output depends on the CPU kernel or thread count.\n"
        + summary
    )
