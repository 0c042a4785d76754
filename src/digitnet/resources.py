"""What this machine can give a training run: how much memory is available, and how much a network needs.

A network too large for the machine (``--hidden-layer-sizes 100000-100000``: 10^10 weights) is
refused before anything is allocated, with one line saying how much it would need, instead of a
MemoryError traceback minutes later or a machine swapping itself to a halt.
"""

from __future__ import annotations

import os

from .nn.network import n_parameters

#: Flat parameter-sized arrays a stochastic fit holds: parameters, gradient, best weights, and
#: up to four of the optimizer's (Adam: m, v and two scratch vectors).
STOCHASTIC_COPIES = 8
#: L-BFGS keeps its history of 10 corrections in float64, and scipy copies the vector around.
LBFGS_COPIES = 30


def _cgroup_limit():
    """The memory limit of this process's cgroup, minus what it uses (bytes), or None."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            with open(limit_file) as f:
                text = f.read().strip()
            if text == "max":
                return None
            with open(usage_file) as f:
                return max(0, int(text) - int(f.read().strip()))
        except (OSError, ValueError):
            continue
    return None


def available_memory():
    """Bytes of memory this process can still use: the kernel's MemAvailable, capped by its cgroup's limit."""
    available = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    limit = _cgroup_limit()
    return available if limit is None else min(available, limit)


def training_bytes(layer_units, n_samples, batch_rows, itemsize, lbfgs=False):
    """A generous estimate of the memory a fit of this network takes (bytes).

    Parameter-sized arrays dominate for wide networks; the rest are each layer's activations and
    deltas for a batch, the epoch's outputs and a shuffled copy of the data.
    """
    params = n_parameters(layer_units)
    copies = params * (LBFGS_COPIES * 8 if lbfgs else STOCHASTIC_COPIES * itemsize)
    batch = 2 * batch_rows * sum(layer_units[1:]) * itemsize
    data = n_samples * (layer_units[0] + 2 * layer_units[-1]) * itemsize
    return copies + batch + data


def gib(n_bytes):
    """Bytes as GiB, for messages."""
    return f"{n_bytes / 2**30:.1f} GiB"
