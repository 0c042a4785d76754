"""``digitnet lr-find``: the learning-rate range test (Smith 2017; fastai's lr_find), from the command line."""

from __future__ import annotations

import io
import math
import os

import numpy as np

from ..data import TASKS
from ..errors import UsageError
from ..estimator.lr_find import lr_find
from ..experiments.params import DEFAULTS, parse_layers
from ..files import check_not_inputs, prepare_out_dir, write_files
from ..nn.activations import HIDDEN_ACTIVATIONS
from ..nn.lr_range import RULE
from ..nn.network import WEIGHT_INITS, n_parameters
from ..resources import available_memory, gib, training_bytes
from .options import Formatter, add_data_options, argtype, describe, number, parse_batch_size, seed, show, split_of

#: What ``--out DIR`` writes in DIR.
FILES = ("lr_find.csv", "lr_find.png")
#: The longest ramp: a step costs a forward and a backward pass; beyond this the test is a training.
MAX_STEPS = 100_000


def add_lr_find(commands):
    p = commands.add_parser(
        "lr-find",
        formatter_class=Formatter,
        help="learning-rate range test: the loss as the rate grows",
        description="The learning-rate range test (Smith 2017, as fastai's lr_find): from the starting weights of"
        " the network the other commands train (the same --seed draws the same weights), take --steps steps of the"
        " optimizer on the training part of the split, the rate rising exponentially from --min-lr to --max-lr,"
        " and record each step's loss (of its batch, before the update). The test stops early once the loss"
        " explodes (fastai's rule: its moving average above 4 times its lowest) or is not finite. The loss"
        " falls slowly while the rate is too small, fastest where it is about right, then explodes. Printed:"
        f" the suggested rate, at the {RULE} (a Savitzky-Golay filter, without lag), and a tenth of the rate at"
        " the lowest smoothed loss (fastai's other rule), with the loss at a few rates. --out DIR writes"
        " DIR/lr_find.csv (step, rate, loss, smoothed) and DIR/lr_find.png (the curve).",
        epilog="examples:\n  digitnet lr-find --hidden-layer-sizes 64 --batch-size full --out out/lr\n"
        "  digitnet lr-find --solver adam --min-lr 1e-6 --max-lr 1",
    )
    _add_network_options(p)
    _add_ramp_options(p)
    add_data_options(p)


def _add_network_options(p):
    """The network whose starting weights the ramp starts from, and its optimizer."""
    p.add_argument(
        "--hidden-layer-sizes",
        type=argtype(parse_layers),
        default=DEFAULTS["hidden_layer_sizes"],
        metavar="LAYERS",
        help=f"units of each hidden layer, '-' between layers (default: {show(DEFAULTS['hidden_layer_sizes'])})",
    )
    p.add_argument(
        "--activation",
        default=DEFAULTS["activation"],
        help=f"hidden-layer activation: {', '.join(HIDDEN_ACTIVATIONS)} (default: {DEFAULTS['activation']})",
    )
    p.add_argument(
        "--weight-init",
        default=DEFAULTS["weight_init"],
        help=f"initial weights: {', '.join(WEIGHT_INITS)} (default: {DEFAULTS['weight_init']})",
    )
    p.add_argument(
        "--alpha",
        type=argtype(number(float)),
        default=DEFAULTS["alpha"],
        help=f"L2 penalty strength (default: {DEFAULTS['alpha']})",
    )
    p.add_argument(
        "--solver", choices=("sgd", "adam"), default="sgd", help="the optimizer whose rate is ramped (default: sgd)"
    )
    p.add_argument(
        "--momentum",
        type=argtype(number(float)),
        default=0.0,
        help="classical momentum of sgd, in [0, 1] (default: 0: plain gradient descent)",
    )
    p.add_argument(
        "--batch-size",
        type=argtype(parse_batch_size),
        default="auto",
        help="rows per step: an"
        " integer, 'auto' (= min(200, rows)) or 'full' (every training row: plain gradient descent, the"
        " learning-rate study's setting) (default: auto)",
    )


def _add_ramp_options(p):
    """The ramp of rates, its seed and what it writes."""
    p.add_argument("--min-lr", type=argtype(number(float)), default=1e-5, help="the first step's rate (default: 1e-05)")
    p.add_argument("--max-lr", type=argtype(number(float)), default=10.0, help="the last step's rate (default: 10)")
    p.add_argument(
        "--steps",
        type=argtype(number(int)),
        default=200,
        help=f"steps of the ramp, from 2 to {MAX_STEPS:,} (default: 200)",
    )
    p.add_argument(
        "--seed",
        type=argtype(seed),
        default=0,
        help="random_state of the starting weights (and the batches' order) (default: 0)",
    )
    p.add_argument(
        "--task",
        choices=TASKS,
        default="classification",
        help="classification (cross-entropy) or regression (squared error) (default: classification)",
    )
    p.add_argument("--out", metavar="DIR", help="write DIR/lr_find.csv and DIR/lr_find.png (default: none)")


def _check_options(args):
    """Every option in its range (NaN and infinities never are), else one UsageError line."""
    problems = [
        (
            args.activation in HIDDEN_ACTIVATIONS,
            f"--activation must be one of {', '.join(HIDDEN_ACTIVATIONS)}, got {args.activation!r}",
        ),
        (
            args.weight_init in WEIGHT_INITS,
            f"--weight-init must be one of {', '.join(WEIGHT_INITS)}, got {args.weight_init!r}",
        ),
        (math.isfinite(args.alpha) and args.alpha >= 0, f"--alpha must be a finite number >= 0, got {args.alpha}"),
        (
            math.isfinite(args.momentum) and 0 <= args.momentum <= 1,
            f"--momentum must be in [0, 1], got {args.momentum}",
        ),
        (math.isfinite(args.min_lr) and args.min_lr > 0, f"--min-lr must be a finite number > 0, got {args.min_lr}"),
        (
            math.isfinite(args.max_lr) and args.max_lr > args.min_lr,
            f"--max-lr must be a finite number above --min-lr ({args.min_lr:g}), got {args.max_lr}",
        ),
        (2 <= args.steps <= MAX_STEPS, f"--steps must be from 2 to {MAX_STEPS:,}, got {args.steps}"),
        (
            args.batch_size in ("auto", "full") or args.batch_size >= 1,
            f"--batch-size must be at least 1, 'auto' or 'full', got {args.batch_size}",
        ),
    ]
    for ok, message in problems:
        if not ok:
            raise UsageError(message)


def _check_memory(args, split):
    """Refuse, before allocating it, a network this machine cannot hold (as training does)."""
    n_out = 1 if split.classes is None or len(split.classes) == 2 else len(split.classes)
    sizes = [split.X_train.shape[1], *args.hidden_layer_sizes, n_out]
    rows = len(split.y_train) if args.batch_size in ("full",) else 200 if args.batch_size == "auto" else args.batch_size
    needed, available = (
        training_bytes(sizes, len(split.y_train), min(rows, len(split.y_train)), np.dtype(args.dtype).itemsize),
        available_memory(),
    )
    if available is not None and needed > available:
        raise UsageError(
            f"a network of layer sizes {'-'.join(map(str, sizes))} ({n_parameters(sizes):,} weights and"
            f" biases) needs about {gib(needed)} of memory, more than the {gib(available)} available;"
            " use smaller --hidden-layer-sizes"
        )


def _csv(test):
    lines = ["step,rate,loss,smoothed"] + [
        f"{i},{r!r},{loss!r},{s!r}"
        for i, (r, loss, s) in enumerate(zip(test.rates.tolist(), test.losses.tolist(), test.smoothed.tolist()))
    ]
    return "\n".join(lines).replace("nan", "") + "\n"


def _write(test, out_dir):
    """DIR/lr_find.csv and DIR/lr_find.png, both to temporary names first, then both renamed (or neither)."""
    from ..plots.curvature import lr_range_figure  # matplotlib only when a picture is asked for

    picture = io.BytesIO()
    lr_range_figure(test).savefig(picture, format="png", dpi=150)
    return write_files(out_dir, {FILES[0]: _csv(test), FILES[1]: picture.getvalue()})


def _summary(test):
    """The lines that say what the test found."""
    lines = [
        f"{len(test.rates)} steps, rate {test.rates[0]:.3g} to {test.rates[-1]:.3g}"
        + (f" (stopped early: {test.stopped})" if test.stopped else "")
    ]
    for i in np.unique(np.linspace(0, len(test.rates) - 1, 9).round().astype(int)):
        lines.append(f"  rate {test.rates[i]:10.4g}   loss {test.losses[i]:10.4g}   smoothed {test.smoothed[i]:10.4g}")
    if math.isfinite(test.suggested):
        lines.append(f"suggested learning rate: {test.suggested:.3g} ({RULE})")
        lines.append(f"lowest smoothed loss at rate {test.minimum:.3g}; a tenth of it: {test.minimum_over_10:.3g}")
    else:
        lines.append(
            "no suggestion: the loss was not finite from the first step (scale the features, or a smaller --min-lr)"
        )
    return lines


def run_lr_find(args):
    _check_options(args)
    if args.out is not None:
        check_not_inputs(
            [(f"--out {args.out} (where it writes {name})", os.path.join(args.out, name)) for name in FILES],
            {"--csv": args.csv},
        )
        prepare_out_dir(args.out)
    split = split_of(args)
    _check_memory(args, split)
    try:
        test = lr_find(
            split.X_train,
            split.y_train,
            hidden_layer_sizes=args.hidden_layer_sizes,
            activation=args.activation,
            weight_init=args.weight_init,
            alpha=args.alpha,
            solver=args.solver,
            momentum=args.momentum,
            batch_size=args.batch_size,
            min_rate=args.min_lr,
            max_rate=args.max_lr,
            steps=args.steps,
            random_state=args.seed,
            task=args.task,
        )
    except ValueError as exc:
        raise UsageError(f"the range test failed: {' '.join(str(exc).split())}") from None
    print(describe(split))
    print("\n".join(_summary(test)))
    if args.out is not None:
        print("wrote " + ", ".join(_write(test, args.out)))
    return 0
