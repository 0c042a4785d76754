"""Time the ``learning-rate`` and ``epochs`` presets against the scikit-learn way of doing the same studies.

The scikit-learn way is a loop of ``MLPClassifier`` fits, one per configuration:
four fits of 1000 epochs (one per learning rate), and five fits of 1000, 2000,
3000, 4000 and 5000 epochs (each epoch count trained from scratch), each scored
on the validation and test parts. Our presets train the same networks with the
same full-batch gradient descent (and also record per-epoch validation curves);
the epochs preset trains once and reads off each epoch count.

For a like-for-like check, every MLPClassifier fit starts from the very
weights our estimator draws for seed 0, so the two must agree number for
number: the script prints the largest difference in test and validation
accuracy and in final training loss, and fails if an accuracy differs.

Usage::

    python benchmarks/bench_presets.py                 # the full studies, serial
    python benchmarks/bench_presets.py --jobs 2        # our presets on 2 processes
    python benchmarks/bench_presets.py --scale 0.01    # 1% of the epochs: a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from digitnet import functional as F
from digitnet.data import load_split
from digitnet.experiments import PRESETS, package_versions, run_preset


class StartFrom(MLPClassifier):
    """MLPClassifier whose fit starts from given weights instead of drawing its own (benchmark only)."""

    def fit(self, X, y):
        self._queue = [(W.copy(), b.copy()) for W, b in self.start]
        return super().fit(X, y)

    def _init_coef(self, fan_in, fan_out, dtype):
        W, b = self._queue.pop(0)
        return W.astype(dtype), b.astype(dtype)


def sklearn_params(preset, n_train):
    """The preset's shared parameters as MLPClassifier arguments ("full" batch = all training rows)."""
    params = {k: v for k, v in PRESETS[preset].base_params.items() if k != "weight_init"}
    params["batch_size"] = n_train
    return params


def sklearn_loop(preset, split, configs, seed=0):
    """What a scikit-learn user writes: one MLPClassifier fit per configuration, each scored afterwards."""
    base = sklearn_params(preset, len(split.y_train))
    layers = [split.X_train.shape[1], *base["hidden_layer_sizes"], len(split.classes)]
    _, weights, biases = F.initialize_weights(layers, base["activation"], "glorot", np.random.default_rng(seed))
    results = []
    for config in configs:
        model = StartFrom(**{**base, **config}, random_state=seed)
        model.start = list(zip(weights, biases))
        model.fit(split.X_train, split.y_train)
        results.append({**config, "val_accuracy": accuracy_score(split.y_val, model.predict(split.X_val)),
                        "test_accuracy": accuracy_score(split.y_test, model.predict(split.X_test)),
                        "train_loss": model.loss_, "n_iter": model.n_iter_})
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1, help="processes for our presets (default: 1)")
    parser.add_argument("--repeat", type=int, default=1, help="timings per measurement; the minimum is"
                        " reported (default: 1)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every epoch count by this"
                        " (default: 1.0)")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads in this process, for both;"
                        " 0 leaves the library's default (default: 1, the steadiest timings on a shared machine)")
    parser.add_argument("--out", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)

    split = load_split("digits", validation_size=0.2)
    epochs = lambda k: max(1, round(k * args.scale))  # noqa: E731
    studies = {
        "learning-rate": dict(grid=None, params={"max_iter": epochs(1000)},
                              configs=[{"learning_rate_init": lr, "max_iter": epochs(1000)}
                                       for lr in PRESETS["learning-rate"].grid["learning_rate_init"]]),
        "epochs": dict(grid={"max_iter": [epochs(k) for k in PRESETS["epochs"].grid["max_iter"]]}, params=None,
                       configs=[{"max_iter": epochs(k)} for k in PRESETS["epochs"].grid["max_iter"]]),
    }
    print(f"digits: {len(split.y_train)} training, {len(split.y_val)} validation, {len(split.y_test)} test rows;"
          f" {os.cpu_count()} CPUs, BLAS threads {args.blas_threads}, our processes {args.jobs},"
          f" epochs x{args.scale:g}, best of {args.repeat}")
    figures = {"settings": vars(args), "versions": package_versions(), "machine": platform.platform(),
               "cpus": os.cpu_count(), "studies": {}}
    total_ours = total_theirs = 0.0
    with threadpool_limits(args.blas_threads if args.blas_threads > 0 else None):
        for name, study in studies.items():
            ours, theirs, wall, cpu = timed_pair(
                lambda: run_preset(name, split, seeds=(0,), n_jobs=args.jobs, progress=False, grid=study["grid"],
                                   params=study["params"]),
                lambda: sklearn_loop(name, split, study["configs"]), args.repeat)
            our_times, their_times = wall["ours"], wall["theirs"]
            runs = ours.runs
            d_test = max(abs(r["test_accuracy"] - t) for r, t in zip(runs.to_dict("records"),
                                                                      [x["test_accuracy"] for x in theirs]))
            d_val = max(abs(r - x["val_accuracy"]) for r, x in zip(runs.val_accuracy, theirs))
            d_loss = max(abs(r - x["train_loss"]) / abs(x["train_loss"]) for r, x in zip(runs.train_loss, theirs))
            t_ours, t_theirs = min(our_times), min(their_times)
            total_ours, total_theirs = total_ours + t_ours, total_theirs + t_theirs
            n_epochs_theirs = sum(c["max_iter"] for c in study["configs"])
            n_epochs_ours = max(runs.n_iter) if name == "epochs" else n_epochs_theirs  # one training, read off
            print(f"\n{name}: {len(runs)} configurations; epochs trained: ours {n_epochs_ours}, loop"
                  f" {n_epochs_theirs}")
            cpu_note = "" if args.jobs != 1 else ", CPU s: {}"
            print(f"  digitnet preset         {t_ours:8.2f} s   (wall s: {', '.join(f'{t:.2f}' for t in our_times)}"
                  + cpu_note.format(", ".join(f"{t:.2f}" for t in cpu["ours"])) + ")")
            print(f"  MLPClassifier loop      {t_theirs:8.2f} s   (wall s: {', '.join(f'{t:.2f}' for t in their_times)}"
                  + ", CPU s: " + ", ".join(f"{t:.2f}" for t in cpu["theirs"]) + ")")
            ratios = sorted(t / o for t, o in zip(their_times, our_times))
            print(f"  speed-up                {t_theirs / t_ours:8.2f} x   (best vs best; per round:"
                  f" {', '.join(f'{r:.2f}' for r in ratios)})")
            print(f"  agreement: max |test accuracy diff| {d_test:.4f}, max |val accuracy diff| {d_val:.4f},"
                  f" max relative train-loss diff {d_loss:.1e}")
            for r, x in zip(runs.to_dict("records"), theirs):
                key = {k: v for k, v in x.items() if k in ("learning_rate_init", "max_iter")}
                print(f"    {key}: test accuracy ours {r['test_accuracy']:.4f} / sklearn {x['test_accuracy']:.4f},"
                      f" val {r['val_accuracy']:.4f} / {x['val_accuracy']:.4f}")
            figures["studies"][name] = {
                "ours_seconds": our_times, "sklearn_loop_seconds": their_times, "speedup": t_theirs / t_ours,
                "ours_cpu_seconds": cpu["ours"], "sklearn_loop_cpu_seconds": cpu["theirs"],
                "max_test_accuracy_diff": d_test, "max_val_accuracy_diff": d_val,
                "max_relative_train_loss_diff": d_loss,
                "ours": runs[["test_accuracy", "val_accuracy", "train_loss", "n_iter"]].to_dict("records"),
                "sklearn": theirs,
            }
            if d_test > 0 or d_val > 0:
                raise SystemExit(f"{name}: the preset and the MLPClassifier loop disagree")
    print(f"\nboth studies: digitnet {total_ours:.2f} s, MLPClassifier loop {total_theirs:.2f} s:"
          f" {total_theirs / total_ours:.2f} x")
    figures["total"] = {"ours_seconds": total_ours, "sklearn_loop_seconds": total_theirs,
                        "speedup": total_theirs / total_ours}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(figures, f, indent=2, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
