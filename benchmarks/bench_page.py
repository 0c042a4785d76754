"""The page's training epoch (nn.js, in headless Chromium) against NumPy's, for the same epoch, in one run.

The page's trainer at its default setting: 1,149 training digits of the report's split (scaled as the
page scales them), one hidden layer of 32 relu units, plain SGD at rate 0.1, batches of 32 rows in
order (no shuffle, so both train on the same batches), alpha 1e-4, float64. Both start from the same
weights; NumPy is digitnet's estimator (NumpyMLPClassifier, warm-started from those weights, tol=0):
its time per epoch is its fit's time over its epochs. The page's is measured inside the page
(``performance.now()`` around its epochs, nothing else), by nn.js's own ``training`` loop, the one the
trainer runs. Runs alternate between the two so that machine noise hits both alike; the script prints
the median time per epoch of each, their ratio, and the largest difference of their losses and weights
(the page must give the same numbers, to 1e-9).

With ``--report DIR`` (a report folder, e.g. from ``digitnet report --quick --out DIR``) it also times the
trainer's live loop in that page: training as fast as it computes (curvature off) for the same setting, its wall
time per epoch, against the same trainer's epochs run back to back with nothing else (its own compute speed), and
how many times it redrew.

Run:  python benchmarks/bench_page.py [--repeats 5] [--epochs 20] [--hidden 32] [--batch-size 32]
                                      [--activation relu] [--solver sgd] [--report DIR]
"""

import argparse
import pathlib
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from digitnet.data import load_split
from digitnet.estimator.classifier import NumpyMLPClassifier
from digitnet.report.html import page_scripts

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/report/browser.py: the tests' way to start Chromium

#: The benchmark's own entry module: nn.js's training loop, timed from inside the page.
ENTRY = """
import { matrix, oneHot, training } from "digitnet/nn.js";
window.benchTrain = function (spec) {
  const sizes = spec.layer_sizes, n = spec.X.length / sizes[0];
  const net = { weights: spec.weights.map((W, l) => matrix(sizes[l], sizes[l + 1], Float64Array.from(W))),
                biases: spec.biases.map(b => Float64Array.from(b)), activation: spec.activation,
                outActivation: "softmax", alpha: spec.alpha };
  const X = matrix(n, sizes[0], Float64Array.from(spec.X)), Y = oneHot(spec.labels, sizes[sizes.length - 1]);
  const run = training(net, X, Y, spec, null), loss = [];
  const start = performance.now();
  for (let e = 0; e < spec.max_iter; e++) loss.push(run.epoch().loss);
  const seconds = (performance.now() - start) / 1000;
  return { loss: loss, seconds: seconds, weights: net.weights.map(W => Array.from(W.data)),
           biases: net.biases.map(b => Array.from(b)) };
};
window.benchReady = true;
"""


def bench_page(folder):
    """An HTML file with the page's modules (its import map) and :data:`ENTRY`."""
    imports, _ = page_scripts()
    path = pathlib.Path(folder) / "bench.html"
    path.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>'
        f'<script type="importmap">{imports}</script><script type="module">{ENTRY}</script>'
        "</body></html>",
        encoding="utf-8",
    )
    return path


def setting(args):
    """The training rows (float64, scaled), their labels, the starting weights and the estimator's parameters."""
    split = load_split("digits", validation_size=0.2)
    X, y = split.X_train, split.y_train
    sizes = [X.shape[1], args.hidden, 10]
    rng = np.random.default_rng(0)
    bounds = [np.sqrt(6 / (a + b)) for a, b in zip(sizes[:-1], sizes[1:])]
    weights = [rng.uniform(-r, r, (a, b)) for r, a, b in zip(bounds, sizes[:-1], sizes[1:])]
    biases = [rng.uniform(-r, r, b) for r, b in zip(bounds, sizes[1:])]
    params = dict(
        activation=args.activation,
        solver=args.solver,
        learning_rate_init=args.rate,
        momentum=0.0,
        batch_size=args.batch_size,
        alpha=1e-4,
    )
    return X, y, sizes, weights, biases, params


def numpy_epochs(X, y, weights, biases, params, epochs):
    """Seconds per epoch of the estimator from these weights, and the fitted model."""
    model = NumpyMLPClassifier(
        hidden_layer_sizes=[W.shape[1] for W in weights[:-1]],
        max_iter=epochs,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=np.inf,
        warm_start=True,
        **params,
    )
    model.coefs_, model.intercepts_ = [W.copy() for W in weights], [b.copy() for b in biases]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        return (time.perf_counter() - start) / epochs, model


#: In the report's page: the trainer's epochs back to back (its compute speed), then its live loop flat out.
LIVE = """
const [epochs, done] = arguments, t = window.digitnet.playground;
const pace = document.querySelector("select[name=pace]"), every = document.querySelector("select[name=curvature_every]");
every.value = "0"; every.dispatchEvent(new Event("change"));
pace.value = "max"; pace.dispatchEvent(new Event("change"));
t.reset();
let start = performance.now();
for (let e = 0; e < epochs; e++) t.epoch();
const compute = (performance.now() - start) / 1000 / epochs;
t.reset();
const drawsBefore = t.draws, drawing = t.drawSeconds;
start = performance.now();
t.run();
const wait = () => (t.running ? setTimeout(wait, 5)
  : done({ compute: compute, live: (performance.now() - start) / 1000 / t.epochs(), draws: t.draws - drawsBefore,
           drawing: (t.drawSeconds - drawing) / (t.draws - drawsBefore), epochs: t.epochs() }));
wait();
"""


def live_loop(chrome, report, args):
    """Seconds per epoch of the trainer's own epochs and of its live loop, in the report's page, and its redraws."""
    query = (
        f"#play?hidden_layer_sizes={args.hidden}&activation={args.activation}&solver={args.solver}&momentum=0"
        f"&batch_size={args.batch_size}&alpha=0.0001&max_iter={args.epochs}&learning_rate_init={args.rate}"
    )
    chrome.get((pathlib.Path(report) / "index.html").resolve().as_uri() + query)
    from tests.report.browser import wait_for

    wait_for(chrome, "window.digitnet && window.digitnet.playground")
    chrome.set_script_timeout(600)
    return [chrome.execute_async_script(LIVE, args.epochs) for _ in range(args.repeats)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs of each, alternating (default 5)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per run (default 20)")
    parser.add_argument("--hidden", type=int, default=32, help="hidden units (default 32)")
    parser.add_argument("--batch-size", type=int, default=32, help="rows per step (default 32)")
    parser.add_argument("--activation", default="relu", help="hidden activation (default relu)")
    parser.add_argument("--solver", default="sgd", choices=["sgd", "adam"], help="default sgd")
    parser.add_argument("--rate", type=float, default=0.1, help="learning_rate_init (default 0.1)")
    parser.add_argument("--report", help="a report folder: also time the trainer's live loop in its page")
    args = parser.parse_args()
    from tests.report.browser import start_chromium, wait_for

    X, y, sizes, weights, biases, params = setting(args)
    spec = {
        "layer_sizes": sizes,
        "weights": [W.ravel().tolist() for W in weights],
        "biases": [b.tolist() for b in biases],
        "X": X.ravel().tolist(),
        "labels": y.tolist(),
        "max_iter": args.epochs,
        **params,
    }
    chrome = start_chromium()
    with tempfile.TemporaryDirectory() as folder:
        chrome.get(bench_page(folder).as_uri())
        wait_for(chrome, "window.benchReady")
        page, numpy, difference = [], [], 0.0
        numpy_epochs(X, y, weights, biases, params, 2)  # warm-up: imports, thread pools
        for _ in range(args.repeats):
            got = chrome.execute_script("return window.benchTrain(arguments[0])", spec)
            page.append(got["seconds"] / args.epochs)
            seconds, model = numpy_epochs(X, y, weights, biases, params, args.epochs)
            numpy.append(seconds)
            mine = np.concatenate([got["loss"]] + [np.ravel(a) for a in got["weights"] + got["biases"]])
            theirs = np.concatenate([model.loss_curve_] + [a.ravel() for a in model.coefs_ + model.intercepts_])
            difference = max(difference, float(np.max(np.abs(mine - theirs))))
    live = live_loop(chrome, args.report, args) if args.report else None
    chrome.quit()
    print(f"{len(y)} digits, layers {sizes}, {params}, {args.epochs} epochs x {args.repeats} runs each")
    print(f"{'':<28}{'ms per epoch (median)':>24}{'fastest':>10}")
    print(f"{'page (nn.js, Chromium)':<28}{1000 * statistics.median(page):>24.2f}{1000 * min(page):>10.2f}")
    print(f"{'NumPy (NumpyMLPClassifier)':<28}{1000 * statistics.median(numpy):>24.2f}{1000 * min(numpy):>10.2f}")
    print(
        f"page / NumPy: {statistics.median(page) / statistics.median(numpy):.2f}x (medians),"
        f" {min(page) / min(numpy):.2f}x (fastest); largest difference of losses and weights: {difference:.1e}"
    )
    if live:
        compute = statistics.median(r["compute"] for r in live)
        wall = statistics.median(r["live"] for r in live)
        print(
            f"the trainer in {args.report}/index.html: {1000 * compute:.2f} ms an epoch back to back (scoring the"
            f" validation rows too), {1000 * wall:.2f} ms an epoch live and flat out: {wall / compute:.2f}x its"
            f" compute time; {statistics.median(r['draws'] for r in live)} redraws for {args.epochs} epochs,"
            f" {1000 * statistics.median(r['drawing'] for r in live):.1f} ms each"
        )


if __name__ == "__main__":
    main()
