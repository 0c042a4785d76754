"""How close one fit comes to the machine's matrix-product peak, on one core.

The fit of ``bench_core.py`` (Digits, (64,), relu, adam, batch 200, 100 epochs) is five matrix products a step
and elementwise work around them. This script measures, on one BLAS thread:

- the peak: GFLOP/s of a large square product (``--size``, default 1024) with NumPy's BLAS, best of several;
  products are timed in CPU seconds (one BLAS thread: the time the core worked on them, even on a busy machine);
- the products alone: one step's five products (batch 200: X W1, A1 W2, and the three of the backward pass),
  repeated, in GFLOP/s and as a fraction of the peak (small products run below it: packing, call overhead);
- the fit: the multiply-adds of every product of the fit (each epoch's 1,437 rows, forward and backward) over
  its median wall-clock and CPU time, as a fraction of the peak, and the share of the fit's time that its
  products alone would take at their measured speed (the rest is everything else: elementwise work, Python).

Run:  python benchmarks/bench_peak.py [--repeats 7] [--dtype float32]
"""

import argparse
import statistics
import time
import warnings

import machine
import numpy as np
from bench_core import PARAMS, digits
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from digitnet import NumpyMLPClassifier


def peak_gflops(size, dtype, repeats=5):
    """Best GFLOP/s of a (size x size) @ (size x size) product."""
    rng = np.random.default_rng(0)
    A, B = (rng.standard_normal((size, size)).astype(dtype) for _ in range(2))
    out = np.empty_like(A)
    np.matmul(A, B, out=out)
    best = min(_seconds(lambda: np.matmul(A, B, out=out), 3) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _seconds(function, times=1):
    """CPU seconds per call (on one BLAS thread: the time the core worked, whatever else the machine runs)."""
    start = time.process_time()
    for _ in range(times):
        function()
    return (time.process_time() - start) / times


def step_products(n_rows, layers, dtype):
    """A callable doing one step's products for a batch of ``n_rows`` (forward, then backward), and their flops."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n_rows, layers[0])).astype(dtype)
    weights = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype) for a, b in zip(layers[:-1], layers[1:])]
    acts = [X] + [np.empty((n_rows, b), dtype) for b in layers[1:]]
    grads = [np.empty_like(W) for W in weights]
    deltas = [rng.standard_normal((n_rows, b)).astype(dtype) for b in layers[1:]]  # numbers, not NaN or denormals

    def products():
        for l, W in enumerate(weights):
            np.matmul(acts[l], W, out=acts[l + 1])
        for l in range(len(weights) - 1, -1, -1):
            np.matmul(acts[l].T, deltas[l], out=grads[l])
            if l > 0:
                np.matmul(deltas[l], weights[l].T, out=deltas[l - 1])

    flops = sum(2 * n_rows * a * b for a, b in zip(layers[:-1], layers[1:])) * 2  # forward, weight gradients
    flops += sum(2 * n_rows * a * b for a, b in zip(layers[1:-1], layers[2:]))  # deltas of the hidden layers
    return products, flops


def measure(repeats, dtype, size):
    X, _, y, _ = digits(dtype)
    layers = [X.shape[1], *PARAMS["hidden_layer_sizes"], 10]
    batch, epochs = PARAMS["batch_size"], PARAMS["max_iter"]
    sizes = [batch] * (len(y) // batch) + ([len(y) % batch] if len(y) % batch else [])
    with threadpool_limits(1, "blas"):
        peak = peak_gflops(size, dtype)
        products, flops = step_products(batch, layers, dtype)
        products()
        step_seconds = min(_seconds(products, 200) for _ in range(repeats))
        fit_flops, fit_product_seconds = 0, 0.0
        for rows in sizes:  # every batch of an epoch, the short last one at its own speed
            run, f = step_products(rows, layers, dtype)
            run()
            fit_flops += f * epochs
            fit_product_seconds += min(_seconds(run, 100) for _ in range(3)) * epochs
        NumpyMLPClassifier(random_state=0, **PARAMS).fit(X, y)  # warm-up
        walls, cpus = [], []
        for seed in range(repeats):
            wall, cpu = time.perf_counter(), time.process_time()
            NumpyMLPClassifier(random_state=seed, **PARAMS).fit(X, y)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return {
        f"peak: {size}^3 product, GFLOP/s": peak,
        "one step's 5 products (batch 200), GFLOP/s": flops / step_seconds / 1e9,
        "  as a fraction of the peak": flops / step_seconds / 1e9 / peak,
        "fit: products' GFLOP over median wall s, GFLOP/s": fit_flops / wall / 1e9,
        "  as a fraction of the peak (wall)": fit_flops / wall / 1e9 / peak,
        "  as a fraction of the peak (CPU s)": fit_flops / cpu / 1e9 / peak,
        "fit: median wall s, CPU s": f"{wall:.4f}, {cpu:.4f}",
        "fit: its products alone, s (share of the CPU s)": f"{fit_product_seconds:.4f} ({fit_product_seconds / cpu:.0%})",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed fits (default 7)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--size", type=int, default=1024, help="the square product that measures the peak")
    machine.add_arguments(parser)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    if not args.figures_json:
        machine.header()
        print(f"Digits, {args.dtype}, {PARAMS}; one BLAS thread\n")
    machine.report(measure(args.repeats, np.dtype(args.dtype), args.size), args)


if __name__ == "__main__":
    main()
