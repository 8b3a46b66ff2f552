"""Host memory of the training process: keep freed memory in the process, read its peak.

Freed per-batch temporaries are kept in the process so they stop page-faulting.

A training step on CPU allocates and frees a few ``batch x negatives`` tensors (4 MB each at the
paper's protocol). glibc hands blocks this large back to the kernel on free, so every batch touches
fresh pages: about 20 MB of page faults per batch, 15 % of an MF + Talos step at Beauty scale. Raising
glibc's mmap and trim thresholds keeps those blocks in the heap for reuse, which is what jemalloc or
tcmalloc would do. Elsewhere (macOS, musl) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import resource
import sys
from pathlib import Path

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 256 << 20  # blocks above this still get their own mapping
_TRIM_THRESHOLD = 1 << 30  # free heap kept before any is returned to the kernel

_done = False


def retain_freed_memory() -> bool:
    """Tune glibc's allocator once per process; True when it applied."""
    global _done
    if _done:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    _done = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )
    return _done


def peak_host_bytes() -> float:
    """Peak resident memory of this process (Linux ``VmHWM``, which can be reset), else since it started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak if sys.platform == "darwin" else peak * 1024)
