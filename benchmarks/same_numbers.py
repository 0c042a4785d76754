"""Are the numbers of this checkout bit-identical to those of another commit?

Trains the same models with the working tree's ``src/`` and with the ``src/`` of another commit
(``git archive``, each in its own Python process), then compares every loss curve, history entry
and weight exactly (``np.array_equal``, NaN equal to NaN). Meant for changes that must not change
any number: a refactoring, a faster path that claims to do the same arithmetic.

    python benchmarks/same_numbers.py --against 095e84d      # exit status 0: identical, 1: not

The cases use only the public API that both sides share: ``NumpyMLPClassifier`` (every solver and
hidden activation, shallow and deep, binary, sample weights, early stopping, float32, warm start,
partial_fit, validation curves), ``functional.train_model`` and the sweeps behind the presets. (Since
the drop-in commit 095e84d the estimator draws its starts from a RandomState as scikit-learn does:
against an older commit its numbers differ by design.)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Run in a child process, with PYTHONPATH pointing at one side's src/; writes every number to argv[1] (.npz).
CHILD = r"""
import sys, warnings
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
import digitnet
from digitnet import NumpyMLPClassifier
from digitnet import functional as F
try:  # each study is a module of digitnet.studies since the study-unit change; before, digitnet.experiments had them
    from digitnet.studies import run_preset
except ImportError:
    from digitnet.experiments import run_preset

warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
scaler = StandardScaler().fit(X_train)
X, X_val = scaler.transform(X_train)[:400], scaler.transform(X_test)[:100]
y, y_val = y_train[:400], y_test[:100]
out = {}
# validation rows as this side's fit takes them (X_val=, y_val= since the drop-in; validation_data= before)
import inspect
held_out = (dict(X_val=X_val, y_val=y_val) if "X_val" in inspect.signature(NumpyMLPClassifier.fit).parameters
            else dict(validation_data=(X_val, y_val)))

def keep(name, model):
    out[name + "/coefs"] = np.concatenate([W.ravel() for W in model.coefs_ + model.intercepts_])
    for key, values in model.history_.items():
        out[f"{name}/history/{key}"] = np.asarray(values, dtype=float)
    if getattr(model, "loss_curve_", None) is not None:
        out[name + "/loss_curve"] = np.asarray(model.loss_curve_, dtype=float)
    out[name + "/n_iter"] = np.asarray(model.n_iter_)
    out[name + "/proba"] = model.predict_proba(X_val)

solvers = [dict(solver="adam", learning_rate_init=0.01),
           dict(solver="sgd", learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=True),
           dict(solver="sgd", learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=False),
           dict(solver="sgd", learning_rate_init=0.2, learning_rate="invscaling", power_t=0.3),
           dict(solver="sgd", learning_rate_init=0.05, learning_rate="adaptive", tol=1e-2, n_iter_no_change=2),
           dict(solver="lbfgs")]
for i, params in enumerate(solvers):
    for activation in ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu"]:
        for hidden in [(16,), (24, 12, 8)]:
            model = NumpyMLPClassifier(hidden, activation, batch_size=64, max_iter=15, alpha=1e-3, random_state=i,
                                       **params).fit(X, y, **held_out)
            keep(f"solver{i}/{activation}/{len(hidden)}", model)
binary = y % 2
keep("binary", NumpyMLPClassifier((12,), max_iter=20, random_state=0).fit(X, binary))
weights = np.random.default_rng(0).uniform(0.2, 2.0, len(y))
keep("sample_weight", NumpyMLPClassifier((12,), solver="sgd", max_iter=20, random_state=0).fit(X, y, weights))
keep("early_stopping", NumpyMLPClassifier((20,), early_stopping=True, max_iter=40, random_state=3).fit(X, y))
keep("early_binary", NumpyMLPClassifier((20,), early_stopping=True, max_iter=40, random_state=3).fit(X, binary))
keep("float32", NumpyMLPClassifier((32,), max_iter=20, random_state=1).fit(X.astype(np.float32), y))
warm = NumpyMLPClassifier((16,), max_iter=5, warm_start=True, random_state=2).fit(X, y)
keep("warm_start", warm.fit(X, y))
partial = NumpyMLPClassifier((16,), solver="sgd", random_state=4)
for _ in range(5):
    partial.partial_fit(X, y, classes=np.arange(10))
keep("partial_fit", partial)
for activation in ["logistic", "relu"]:
    weights, biases, history = F.train_model(X, y, (16,), activation, epochs=30, learning_rate=0.3, random_state=0,
                                             X_val=X_val, y_val=y_val)
    out[f"train_model/{activation}/weights"] = np.concatenate([W.ravel() for W in weights + biases])
    for key, values in history.items():
        out[f"train_model/{activation}/{key}"] = np.asarray(values, dtype=float)
for name, grid in [("learning-rate", None), ("epochs", {"max_iter": [20, 40, 60]}), ("seed", {"max_iter": [30]})]:
    result = run_preset(name, seeds=2, grid=grid, params={} if grid else {"max_iter": 40}, progress=False)
    for column in ["val_accuracy", "test_accuracy", "train_loss", "n_iter"]:
        out[f"preset/{name}/{column}"] = result.runs[column].to_numpy(dtype=float)
    for run_id, curve in sorted(result.curves.items()):
        for key, values in curve.items():
            out[f"preset/{name}/{run_id}/{key}"] = np.asarray(values, dtype=float)
np.savez(sys.argv[1], **out)
"""


def numbers(src, path):
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-c", CHILD, path], env=env, check=True)
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, help="the commit to compare with (any git revision)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        other = os.path.join(tmp, "other")
        os.makedirs(other)
        archive = subprocess.run(
            ["git", "-C", ROOT, "archive", args.against, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", other], input=archive, check=True)
        theirs = numbers(os.path.join(other, "src"), os.path.join(tmp, "theirs.npz"))
        ours = numbers(os.path.join(ROOT, "src"), os.path.join(tmp, "ours.npz"))
    missing = sorted(set(theirs) ^ set(ours))
    different = [
        k
        for k in sorted(set(theirs) & set(ours))
        if theirs[k].shape != ours[k].shape or not np.array_equal(theirs[k], ours[k], equal_nan=True)
    ]
    for key in missing:
        print(f"only on one side: {key}")
    for key in different:
        a, b = theirs[key], ours[key]
        gap = np.nanmax(np.abs(a - b)) if a.shape == b.shape else f"shapes {a.shape} vs {b.shape}"
        print(f"different: {key} (largest difference {gap})")
    n = len(set(theirs) & set(ours))
    print(
        f"{n - len(different)} of {n} arrays bit-identical to {args.against}"
        f"{'' if not missing else f'; {len(missing)} on one side only'}"
    )
    return 1 if different or missing else 0


if __name__ == "__main__":
    sys.exit(main())
