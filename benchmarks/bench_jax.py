"""The same training in JAX (``jit``), the peer to beat, timed side by side with digitnet's fit in one run.

The setting of ``bench_core.py``: the Digits split (1,437 training rows, standardised), (64,) relu, softmax,
Adam (learning rate 1e-3, scikit-learn's betas and epsilon), L2 alpha 1e-4, batch 200, 100 epochs, the rows
shuffled every epoch. JAX trains from digitnet's starting weights on digitnet's shuffles (the same draws from
``random_state``, made with NumPy beforehand), with scikit-learn's loss and Adam, so that both compute the same
model: the script prints the largest difference between the two models' weights (float64: rounding only).

Two ways to write it in JAX, both compiled before the clock runs:

- ``jax step``: one ``jax.jit`` training step, called from a Python loop over epochs and batches (the way most
  training code is written);
- ``jax whole``: the whole training one ``jax.jit`` function (``lax.fori_loop`` over epochs, ``lax.scan`` over the
  full batches, then the short last batch), nothing left in Python: JAX at its fastest.

digitnet's fits, ``jax step`` and ``jax whole`` alternate ``--repeats`` times; medians. JAX is not a dependency
of digitnet: ``pip install jax jaxlib`` first (without it the script says so and exits). Run:

    python benchmarks/bench_jax.py [--repeats 7] [--dtype float32]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import machine
import numpy as np
from bench_core import PARAMS, digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from digitnet import NumpyMLPClassifier
from digitnet.estimator.base import shuffled
from digitnet.nn.network import initialize_weights

ALPHA, RATE, BETA_1, BETA_2, EPSILON = 1e-4, 1e-3, 0.9, 0.999, 1e-8


def starts_and_shuffles(seed, n_features, n_samples, dtype, epochs):
    """digitnet's (and MLPClassifier's) starting weights and every epoch's row order for ``random_state=seed``."""
    rng = check_random_state(seed)
    flat, weights, biases = initialize_weights(
        [n_features, *PARAMS["hidden_layer_sizes"], 10], "relu", "glorot", rng, dtype
    )
    order, orders = np.arange(n_samples), []
    for _ in range(epochs):
        order = shuffled(order, rng)
        orders.append(order)
    return [w.copy() for w in weights], [b.copy() for b in biases], np.stack(orders)


def jax_functions(jax, jnp, lax):
    """``(step, whole)``: one jitted Adam step on a batch, and the whole training jitted."""

    def loss(params, x, y):
        (W0, b0), (W1, b1) = params
        logits = jnp.maximum(x @ W0 + b0, 0) @ W1 + b1
        data = -jnp.sum(y * jax.nn.log_softmax(logits)) / x.shape[0]
        return data + 0.5 * ALPHA * (jnp.sum(W0 * W0) + jnp.sum(W1 * W1)) / x.shape[0]

    def adam(params, state, x, y, rate):
        m, v = state
        value, grads = jax.value_and_grad(loss)(params, x, y)
        m = jax.tree_util.tree_map(lambda m_, g: BETA_1 * m_ + (1 - BETA_1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v_, g: BETA_2 * v_ + (1 - BETA_2) * g * g, v, grads)
        params = jax.tree_util.tree_map(lambda p, m_, v_: p - rate * m_ / (jnp.sqrt(v_) + EPSILON), params, m, v)
        return params, (m, v), value * x.shape[0]

    step = jax.jit(adam)

    @jax.jit
    def whole(params, state, X, Y, orders, rates):
        n, batch = X.shape[0], PARAMS["batch_size"]
        full = n // batch * batch
        per_epoch = -(-n // batch)

        def epoch(e, carry):
            params, state, losses = carry
            Xe, Ye = X[orders[e]], Y[orders[e]]
            xs, ys = Xe[:full].reshape(-1, batch, X.shape[1]), Ye[:full].reshape(-1, batch, Y.shape[1])

            def one(c, xyr):
                p, s, total = c
                p, s, value = adam(p, s, *xyr)
                return (p, s, total + value), None

            epoch_rates = lax.dynamic_slice(rates, (e * per_epoch,), (per_epoch,))
            (params, state, total), _ = lax.scan(one, (params, state, 0.0), (xs, ys, epoch_rates[:-1]))
            params, state, value = adam(params, state, Xe[full:], Ye[full:], epoch_rates[-1])
            return params, state, losses.at[e].set((total + value) / n)

        losses = jnp.zeros(orders.shape[0], X.dtype)
        return lax.fori_loop(0, orders.shape[0], epoch, (params, state, losses))

    return step, whole


def adam_rates(n_steps, dtype):
    """Adam's bias-corrected rate of steps 1..n_steps, computed in float64 as scikit-learn computes it (in Python),
    then cast to the training's dtype (as NumPy casts it against a float32 array)."""
    t = np.arange(1, n_steps + 1, dtype=np.float64)
    return (RATE * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)).astype(dtype)


def train_jax_step(step, jnp, X, Y, weights, biases, orders):
    params = tuple((jnp.asarray(W), jnp.asarray(b)) for W, b in zip(weights, biases))
    state = (jax_zeros(params, jnp), jax_zeros(params, jnp))
    batch = PARAMS["batch_size"]
    rates = iter(adam_rates(len(orders) * -(-len(X) // batch), X.dtype))
    for order in orders:
        Xe, Ye = X[order], Y[order]
        for start in range(0, len(order), batch):
            params, state, _ = step(params, state, Xe[start : start + batch], Ye[start : start + batch], next(rates))
    return [np.asarray(W) for W, _ in params]


def train_jax_whole(whole, jnp, X, Y, weights, biases, orders):
    params = tuple((jnp.asarray(W), jnp.asarray(b)) for W, b in zip(weights, biases))
    state = (jax_zeros(params, jnp), jax_zeros(params, jnp))
    rates = adam_rates(len(orders) * -(-len(X) // PARAMS["batch_size"]), X.dtype)
    params, _, losses = whole(params, state, X, Y, orders, rates)
    losses.block_until_ready()
    return [np.asarray(W) for W, _ in params]


def jax_zeros(params, jnp):
    return tuple((jnp.zeros_like(W), jnp.zeros_like(b)) for W, b in params)


def measure(repeats, dtype):
    import jax
    import jax.numpy as jnp
    from jax import lax

    jax.config.update("jax_enable_x64", dtype == "float64")
    X, _, y, _ = digits(dtype)
    Y = np.eye(10, dtype=dtype)[y]
    step, whole = jax_functions(jax, jnp, lax)
    times = {"digitnet": [], "jax step": [], "jax whole": []}
    cpu = {name: [] for name in times}
    differences = []
    for seed in range(-1, repeats):  # seed -1: compiles JAX's functions and warms digitnet's path, untimed
        weights, biases, orders = starts_and_shuffles(max(seed, 0), X.shape[1], len(y), dtype, PARAMS["max_iter"])
        start, start_cpu = time.perf_counter(), time.process_time()
        model = NumpyMLPClassifier(random_state=max(seed, 0), **PARAMS).fit(X, y)
        ours, ours_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        results = {}
        for name, train in (
            ("jax step", lambda: train_jax_step(step, jnp, X, Y, weights, biases, orders)),
            ("jax whole", lambda: train_jax_whole(whole, jnp, X, Y, weights, biases, orders)),
        ):
            start, start_cpu = time.perf_counter(), time.process_time()
            results[name] = train()
            if seed >= 0:
                times[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
        if seed >= 0:
            times["digitnet"].append(ours)
            cpu["digitnet"].append(ours_cpu)
            differences.append(
                max(
                    float(np.max(np.abs(W - mine)))
                    for result in results.values()
                    for W, mine in zip(result, model.coefs_)
                )
            )
    return (
        {name: statistics.median(values) for name, values in times.items()},
        {name: statistics.median(values) for name, values in cpu.items()},
        max(differences),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed trainings of each (default 7)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    machine.add_arguments(parser)
    args = parser.parse_args()
    try:
        import jax
    except ImportError:
        print("JAX is not installed (it is no dependency of digitnet): pip install jax jaxlib, then run this again")
        return 0
    warnings.simplefilter("ignore", ConvergenceWarning)
    if not args.figures_json:
        machine.header(f"JAX {jax.__version__} on {jax.devices()[0].platform}")
    medians, cpu, difference = measure(args.repeats, args.dtype)
    print(
        f"Digits, {args.dtype}, {PARAMS}, {args.repeats} trainings each, alternating; median seconds (wall, and"
        " CPU seconds of this process: JAX's threads counted)\n"
    )
    figures = {f"{name}, wall s": seconds for name, seconds in medians.items()}
    figures.update({f"{name}, CPU s": seconds for name, seconds in cpu.items()})
    for name in ("jax step", "jax whole"):
        figures[f"{name} / digitnet, wall"] = medians[name] / medians["digitnet"]
        figures[f"{name} / digitnet, CPU"] = cpu[name] / cpu["digitnet"]
    figures["largest weight difference, JAX vs digitnet"] = difference
    machine.report(figures, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
