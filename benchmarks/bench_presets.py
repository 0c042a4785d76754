"""Time the ``learning-rate`` and ``epochs`` presets against the scikit-learn way of doing the same studies.

The scikit-learn way is a loop of ``MLPClassifier`` fits, one per configuration and seed, each
scored on the validation and test parts afterwards:

- learning-rate: 13 rates from 1e-4 to 10, 1000 epochs of full-batch gradient descent each. A rate
  that diverges is a result for the preset, which stops there and records the epoch; the loop
  trains it to the end (or to the error MLPClassifier raises when its weights become infinite),
  as a scikit-learn user's loop would. The speed-up is printed with and without those rates.
- epochs: the wide network that overfits (512 tanh units, adam, batches of 64), fitted from scratch
  for 25, 50, 100 and 150 epochs; the preset trains once and reads off each epoch count.

Both sides draw their weights and shuffles from ``random_state=seed`` in the same way (digitnet's
estimator is a drop-in), so in float64 the two must agree number for number: the script prints
the largest difference in test and validation accuracy and in final training loss, and fails if
an accuracy differs. In float32 (``--dtype float32``, as the report's studies run) both compute in
float32, in a different order, and may differ by a digit or so: the differences are printed.

Usage::

    python benchmarks/bench_presets.py                        # the full studies, float64, serial
    python benchmarks/bench_presets.py --dtype float32 --jobs 2 --loop-dtype float64
                                    # ours as the report runs them, the loop as a user's
    python benchmarks/bench_presets.py --scale 0.01           # 1% of the epochs: a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings

import machine
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from digitnet.data import load_split
from digitnet.experiments import package_versions
from digitnet.nn.divergence import DIVERGENCE_FACTOR
from digitnet.studies import get, run_preset


def sklearn_params(preset, n_train, changes):
    """The preset's shared parameters as MLPClassifier arguments ("full" batch = all training rows)."""
    params = {k: v for k, v in {**get(preset).base_params, **changes}.items() if k != "weight_init"}
    if params.get("batch_size") == "full":
        params["batch_size"] = n_train
    return params


def sklearn_loop(preset, split, configs, seeds, changes):
    """What a scikit-learn user writes: one MLPClassifier fit per configuration and seed, each scored afterwards."""
    base = sklearn_params(preset, len(split.y_train), changes)
    results = []
    for config in configs:
        for seed in seeds:
            model = MLPClassifier(**{**base, **config}, random_state=seed)
            try:
                model.fit(split.X_train, split.y_train)
            except ValueError:  # "Solver produced non-finite parameter weights": it diverged
                results.append({**config, "seed": seed, "diverged": True})
                continue
            curve = np.asarray(model.loss_curve_)
            diverged = not np.all(np.isfinite(curve)) or bool(np.any(curve > DIVERGENCE_FACTOR * curve[0]))
            results.append(
                {
                    **config,
                    "seed": seed,
                    "diverged": diverged,
                    "val_accuracy": accuracy_score(split.y_val, model.predict(split.X_val)),
                    "test_accuracy": accuracy_score(split.y_test, model.predict(split.X_test)),
                    "train_loss": model.loss_,
                    "n_iter": model.n_iter_,
                }
            )
    return results


def timed_pair(ours, theirs, repeat):
    """Run ``ours`` and ``theirs`` alternately ``repeat`` times (so a busy spell hits both alike).

    Returns (our result, their result, {"ours": [...], "theirs": [...]} wall seconds,
    same for CPU seconds of this process).
    """
    wall, cpu, results = {"ours": [], "theirs": []}, {"ours": [], "theirs": []}, {}
    for _ in range(repeat):
        for name, function in (("ours", ours), ("theirs", theirs)):
            start, start_cpu = time.perf_counter(), time.process_time()
            results[name] = function()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return results["ours"], results["theirs"], wall, cpu


def _agreement(runs, theirs):
    """Largest differences between our runs and the loop's, over the runs neither side saw diverge."""
    ours = {(r["config_key"], r["seed"]): r for r in runs}
    pairs = [(ours[(t["config_key"], t["seed"])], t) for t in theirs if not t["diverged"]]
    pairs = [(r, t) for r, t in pairs if pd.isna(r["diverged_at"])]
    d_test = max((abs(r["test_accuracy"] - t["test_accuracy"]) for r, t in pairs), default=0.0)
    d_val = max((abs(r["val_accuracy"] - t["val_accuracy"]) for r, t in pairs), default=0.0)
    d_loss = max((abs(r["train_loss"] - t["train_loss"]) / abs(t["train_loss"]) for r, t in pairs), default=0.0)
    both_diverged = sorted({t["config_key"] for t in theirs if t["diverged"]})
    return d_test, d_val, d_loss, both_diverged


def _studies(epochs):
    lr_rates = get("learning-rate").grid["learning_rate_init"]
    read_off = get("epochs").grid["max_iter"]
    return {
        "learning-rate": dict(
            grid=None,
            params={"max_iter": epochs(1000)},
            changes={"max_iter": epochs(1000)},
            key="learning_rate_init",
            configs=[{"learning_rate_init": lr} for lr in lr_rates],
        ),
        "epochs": dict(
            grid={"max_iter": [epochs(k) for k in read_off]},
            params=None,
            changes={},
            key="max_iter",
            configs=[{"max_iter": epochs(k)} for k in read_off],
        ),
    }


def _report(name, study, ours, theirs, wall, cpu):
    runs = ours.runs.assign(config_key=ours.runs[study["key"]])
    for t in theirs:
        t["config_key"] = t[study["key"]]
    d_test, d_val, d_loss, diverged = _agreement(runs.to_dict("records"), theirs)
    t_ours, t_theirs = min(wall["ours"]), min(wall["theirs"])
    ours_diverged = sorted(set(runs.loc[runs["diverged_at"].notna(), "config_key"]))
    print(
        f"\n{name}: {len(runs)} runs; epochs trained: ours {int(runs.n_iter.max() if name == 'epochs' else runs.n_iter.sum())},"
        f" loop {sum(t.get('n_iter', 0) for t in theirs)}; diverged: ours {ours_diverged}, loop {diverged}"
    )
    print(f"  digitnet preset         {t_ours:8.2f} s   (wall s: {', '.join(f'{t:.2f}' for t in wall['ours'])})")
    print(
        f"  MLPClassifier loop      {t_theirs:8.2f} s   (wall s: {', '.join(f'{t:.2f}' for t in wall['theirs'])},"
        f" CPU s: {', '.join(f'{t:.2f}' for t in cpu['theirs'])})"
    )
    print(f"  speed-up                {t_theirs / t_ours:8.2f} x   (best vs best)")
    print(
        f"  agreement: max |test accuracy diff| {d_test:.4f}, max |val accuracy diff| {d_val:.4f},"
        f" max relative train-loss diff {d_loss:.1e}"
    )
    return {
        "ours_seconds": wall["ours"],
        "sklearn_loop_seconds": wall["theirs"],
        "speedup": t_theirs / t_ours,
        "max_test_accuracy_diff": d_test,
        "max_val_accuracy_diff": d_val,
        "max_relative_train_loss_diff": d_loss,
        "ours_diverged": ours_diverged,
        "loop_diverged": diverged,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1, help="processes for our presets (default: 1)")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per configuration (default: 1)")
    parser.add_argument(
        "--dtype",
        default="float64",
        choices=["float64", "float32"],
        help="our presets' arithmetic (default float64; the report's studies run in float32)",
    )
    parser.add_argument(
        "--loop-dtype",
        default=None,
        choices=["float64", "float32"],
        help="the MLPClassifier loop's (default: --dtype); float64 is what load_digits gives a user",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="timings per measurement; the minimum is reported (default: 1)"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every epoch count by this (default: 1.0)")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads in this process, for both;"
        " 0 leaves the library's default (default: 1, the steadiest timings on a shared machine)",
    )
    parser.add_argument("--out", help="also write the figures to this JSON file")
    machine.add_arguments(parser)
    args = parser.parse_args(argv)
    if not args.figures_json:
        machine.header()
    warnings.simplefilter("ignore", ConvergenceWarning)
    np.seterr(all="ignore")  # the divergent rates overflow in MLPClassifier

    split = load_split("digits", validation_size=0.2, dtype=np.dtype(args.dtype))
    loop_split = load_split("digits", validation_size=0.2, dtype=np.dtype(args.loop_dtype or args.dtype))
    seeds = tuple(range(args.seeds))
    studies = _studies(lambda k: max(1, round(k * args.scale)))
    print(
        f"digits: {len(split.y_train)} training, {len(split.y_val)} validation, {len(split.y_test)} test rows;"
        f" ours {args.dtype}, loop {args.loop_dtype or args.dtype}; {os.cpu_count()} CPUs, BLAS threads {args.blas_threads}, our processes {args.jobs},"
        f" seeds {args.seeds}, epochs x{args.scale:g}, best of {args.repeat}"
    )
    figures = {
        "settings": vars(args),
        "versions": package_versions(),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "studies": {},
    }
    with threadpool_limits(args.blas_threads if args.blas_threads > 0 else None):
        for name, study in studies.items():
            ours, theirs, wall, cpu = timed_pair(
                lambda: run_preset(
                    name,
                    split,
                    seeds=seeds,
                    n_jobs=args.jobs,
                    progress=False,
                    grid=study["grid"],
                    params=study["params"],
                ),
                lambda: sklearn_loop(name, loop_split, study["configs"], seeds, study["changes"]),
                args.repeat,
            )
            figures["studies"][name] = result = _report(name, study, ours, theirs, wall, cpu)
            exact = args.dtype == "float64" and (args.loop_dtype or args.dtype) == "float64"
            if exact and (result["max_test_accuracy_diff"] > 0 or result["max_val_accuracy_diff"] > 0):
                raise SystemExit(f"{name}: the preset and the MLPClassifier loop disagree")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(figures, f, indent=2, default=float)
    print()
    machine.report(
        {
            f"{name}: {key}": value
            for name, result in figures["studies"].items()
            for key, value in result.items()
            if key in ("ours_seconds", "sklearn_loop_seconds", "speedup")
        },
        args,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
