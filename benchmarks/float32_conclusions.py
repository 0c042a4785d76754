"""Do the studies reach the same conclusions in float32 as in float64? (The report runs them in float32.)

Runs every preset study of the report twice, with the report's settings (``--quick`` for its quick
ones), once on the float64 split and once on the float32 one, and compares:

- what each study concludes: the learning-rate regions and best rate (up to the noise: each
  precision's best rate must be a good rate of the other's, the good rates being those the seeds
  cannot rank), the architecture chosen, the best rate of each batch size and optimizer, the best
  alpha, the epoch of lowest validation loss;
- the scores the conclusions quote (the mean over seeds of each configuration they name: the best
  rate, the chosen architecture, each optimizer at its best rate, ...), in digits: one digit is
  1/288 of validation accuracy or 1/360 of test accuracy, round-off deciding a close call;
- for information, the largest difference of any single run: runs of stochastic gradient descent
  at large rates are chaotic, and a different last bit sends them along another path.

Prints the time of each precision, a line per study, and exits with status 1 if a conclusion differs
or a quoted score differs by more than one digit.

Run:  python benchmarks/float32_conclusions.py [--quick] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from digitnet.data import load_split
from digitnet.experiments import run_preset
from digitnet.experiments.analysis import best_rate_per, by_value, histories_of, learning_rate_landscape, lowest
from digitnet.experiments.analysis import mean_curve
from digitnet.report import PRESET_STUDIES, study_settings


def _lowest_val_epoch(result):
    longest = result.runs[result.runs["n_iter"] == result.runs["n_iter"].max()].drop_duplicates("seed")
    return lowest(mean_curve(histories_of(longest, result.curves), "val_loss")[0])[0]


def conclusion(name, result):
    """What the study concludes, as a comparable value."""
    runs = result.runs
    if name == "learning-rate":  # the regions; the best rate is one of the good ones, which the noise cannot rank
        readings = learning_rate_landscape(runs, result.curves, result.n_val)
        return {"regions": tuple(r.region for r in readings)}
    if name == "architecture":
        return {"chosen": result.best["config"], "tied": tuple(sorted(result.best["tied"]))}
    if name in ("batch-size", "optimizer"):
        return {"best rates": best_rate_per(runs, "batch_size" if name == "batch-size" else "label")}
    if name == "regularization":
        val = by_value(runs, "alpha", "val_accuracy")
        return {"best alpha": max(val, key=lambda a: (val[a][0], -a))}
    if name == "epochs":
        return {"lowest validation loss at epoch": _lowest_val_epoch(result)}
    if name == "momentum":
        return {"lowest loss at β": min(runs.groupby("momentum")["train_loss"].mean().items(), key=lambda kv: kv[1])[0]}
    if name == "original-to-ours":
        means = runs.groupby("label", sort=False)["test_accuracy"].mean()
        gains = means.diff().dropna()
        return {"largest gain": gains.idxmax(), "steps that lowered it": tuple(gains.index[gains < 0])}
    # initialization: which networks left the loss plateau at log 10 (their mean loss below 90% of it)
    left = {}
    for key, group in runs.groupby(["weight_init", "activation", "hidden_layer_sizes"], sort=False):
        curve = mean_curve(histories_of(group, result.curves), "loss")[0]
        left[" ".join(map(str, key))] = bool(np.any(curve < 0.9 * np.log(10)))
    return {"left the plateau": tuple(k for k, v in left.items() if v)}


def best_rate(result):
    """The learning rate of the best mean validation accuracy (among those that did not diverge)."""
    readings = learning_rate_landscape(result.runs, result.curves, result.n_val)
    return max((r for r in readings if r.diverged_at is None), key=lambda r: r.val_accuracy).rate


def good_rates(result):
    readings = learning_rate_landscape(result.runs, result.curves, result.n_val)
    return {r.rate for r in readings if r.region == "good"}


def named_configs(name, result):
    """The configurations a study's conclusion quotes the scores of."""
    runs = result.runs
    if name == "architecture":
        return [result.best["config"]]
    if name == "learning-rate":
        return list(runs.loc[runs["learning_rate_init"] == best_rate(result), "config"].unique())
    if name in ("batch-size", "optimizer"):
        group = "batch_size" if name == "batch-size" else "label"
        best = best_rate_per(runs, group)
        return [c for c, g in runs.groupby("config") if best.get(g[group].iloc[0]) == g["learning_rate_init"].iloc[0]]
    if name == "regularization":
        return list(runs.loc[runs["alpha"] == conclusion(name, result)["best alpha"], "config"].unique())
    return list(runs["config"].unique())  # the others quote every configuration


def largest_difference(a, b, column, n, configs=None):
    """Largest |a - b| of a score, in digits of the part it was measured on: per run, or (``configs``) of the
    mean over seeds of each of these configurations."""
    if configs is not None:
        a, b = (r[r["config"].isin(configs)].groupby("config")[[column]].mean() for r in (a, b))
    both = a[column].notna() & b[column].notna()
    if not both.any():
        return 0.0
    return float(np.max(np.abs(a.loc[both, column].to_numpy() - b.loc[both, column].to_numpy())) * n)


def _short(found):
    text = str(found)
    return text if len(text) < 90 else text[:87] + "..."


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the report's quick settings")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default: 2, as the report)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    settings = study_settings(quick=args.quick)
    results, seconds = {}, {}
    for dtype in (np.float64, np.float32):
        split = load_split("digits", validation_size=0.2, dtype=dtype)
        start = time.perf_counter()
        results[dtype] = {name: run_preset(name, split, seeds=settings[name]["seeds"], grid=settings[name]["grid"],
                                           params=settings[name]["params"], n_jobs=args.jobs, progress=False)
                          for name in PRESET_STUDIES}
        seconds[dtype] = time.perf_counter() - start
    print(f"every study: float64 {seconds[np.float64]:.1f} s, float32 {seconds[np.float32]:.1f} s"
          f" ({seconds[np.float64] / seconds[np.float32]:.2f}x)\n")
    n_val, n_test = len(split.y_val), len(split.y_test)
    failed = False
    for name in PRESET_STUDIES:
        a, b = results[np.float64][name], results[np.float32][name]
        same = conclusion(name, a) == conclusion(name, b)
        if name == "learning-rate":  # each precision's best rate is good in the other: the same up to the noise
            best = {"float64": best_rate(a), "float32": best_rate(b)}
            same &= best["float64"] in good_rates(b) and best["float32"] in good_rates(a)
        quoted = named_configs(name, a)
        d_val, d_test = (largest_difference(a.runs, b.runs, column, n, quoted)
                         for column, n in (("val_accuracy", n_val), ("test_accuracy", n_test)))
        r_val, r_test = (largest_difference(a.runs, b.runs, column, n)
                         for column, n in (("val_accuracy", n_val), ("test_accuracy", n_test)))
        ok = same and d_val <= 1 + 1e-9 and d_test <= 1 + 1e-9
        failed |= not ok
        print(f"{name:<17} {'same conclusion' if same else 'DIFFERENT CONCLUSION'}: {_short(conclusion(name, b))};"
              f" quoted scores within {d_val:.2g} validation / {d_test:.2g} test digits (any single run: {r_val:.0f} /"
              f" {r_test:.0f})" + ("" if ok else "   <-- differs"))
        if not same:
            print(f"{'':<17} float64: {conclusion(name, a)}")
        if name == "learning-rate":
            print(f"{'':<17} best rate: {best} (each must be a good rate of the other precision)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
