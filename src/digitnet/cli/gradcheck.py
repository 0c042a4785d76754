"""``digitnet gradcheck``: backpropagation checked by finite differences, from the command line."""

from __future__ import annotations

import math

from ..errors import UsageError
from ..experiments.params import parse_layers
from ..nn.activations import HIDDEN_ACTIVATIONS
from ..nn.gradcheck import TOLERANCE, gradient_check
from ..nn.network import n_parameters
from .options import Formatter, argtype, number, seed, show


def add_gradcheck(commands):
    p = commands.add_parser(
        "gradcheck",
        formatter_class=Formatter,
        help="check backpropagation numerically",
        description="Compare backpropagated gradients with central finite differences on a"
        " small random network, for every hidden activation; print the worst error of each,"
        " ||g - g_num|| / (||g|| + ||g_num||) over a parameter array (W or b of a layer). Exit"
        " status 1 if one exceeds --tolerance.",
    )
    p.add_argument(
        "--hidden-layer-sizes",
        type=argtype(parse_layers),
        default=(5, 4),
        metavar="LAYERS",
        help="hidden layers of the test network (default: 5-4)",
    )
    p.add_argument("--alpha", type=argtype(number(float)), default=0.01, help="L2 penalty (default: 0.01)")
    p.add_argument("--samples", type=argtype(number(int)), default=7, help="random rows (default: 7)")
    p.add_argument(
        "--classes", type=argtype(number(int)), default=3, help="classes; 2 uses one logistic output unit (default: 3)"
    )
    p.add_argument("--seed", type=argtype(seed), default=0, help="seed of data and weights (default: 0)")
    p.add_argument("--eps", type=argtype(number(float)), default=1e-6, help="finite-difference step (default: 1e-06)")
    p.add_argument(
        "--dropout",
        type=argtype(number(float)),
        default=0.0,
        help="dropout rate of every hidden layer,"
        " in [0, 1): its masks are drawn once and held fixed, so the loss is a function of the weights"
        " (default: 0.0)",
    )
    p.add_argument(
        "--label-smoothing",
        type=argtype(number(float)),
        default=0.0,
        help="label smoothing of the cross-entropy's targets, in [0, 1] (default: 0.0)",
    )
    p.add_argument(
        "--tolerance",
        type=argtype(number(float)),
        default=TOLERANCE,
        help="largest acceptable error ||g - g_num|| / (||g|| + ||g_num||) of a parameter array; a correct"
        f" gradient gives less, a wrong one 1e-2 or more (default: {TOLERANCE:g})",
    )


#: Bounds of the options: a central difference needs a small step, and costs two losses per parameter.
MAX_EPS, MAX_SAMPLES, MAX_CLASSES, MAX_PARAMETERS = 1e-2, 10_000, 100, 20_000


def _check_options(args):
    """Every option in its range (NaN and infinities are never in range), else one UsageError line."""
    sizes = [4, *args.hidden_layer_sizes, 1 if args.classes == 2 else args.classes]
    problems = [
        (
            math.isfinite(args.eps) and 0 < args.eps <= MAX_EPS,
            f"--eps must be a number in (0, {MAX_EPS:g}], got {args.eps}",
        ),
        (math.isfinite(args.alpha) and args.alpha >= 0, f"--alpha must be a finite number >= 0, got {args.alpha}"),
        (
            math.isfinite(args.tolerance) and 0 < args.tolerance < 1,
            f"--tolerance must be a number in (0, 1), got {args.tolerance}",
        ),
        (1 <= args.samples <= MAX_SAMPLES, f"--samples must be from 1 to {MAX_SAMPLES}, got {args.samples}"),
        (0 <= args.dropout < 1, f"--dropout must be a number in [0, 1), got {args.dropout}"),
        (0 <= args.label_smoothing <= 1, f"--label-smoothing must be a number in [0, 1], got {args.label_smoothing}"),
        (2 <= args.classes <= MAX_CLASSES, f"--classes must be from 2 to {MAX_CLASSES}, got {args.classes}"),
        (
            n_parameters(sizes) <= MAX_PARAMETERS,
            f"--hidden-layer-sizes {show(args.hidden_layer_sizes)} gives"
            f" {n_parameters(sizes):,} parameters; the check nudges each one, so at most {MAX_PARAMETERS:,}",
        ),
    ]
    for ok, message in problems:
        if not ok:
            raise UsageError(message)


def run_gradcheck(args):
    _check_options(args)
    extra = (f", dropout {args.dropout:g} (masks held fixed)" if args.dropout else "") + (
        f", label smoothing {args.label_smoothing:g}" if args.label_smoothing else ""
    )
    print(
        f"finite-difference gradient check: hidden layers {show(args.hidden_layer_sizes)}, alpha {args.alpha},"
        f" {args.samples} samples, {args.classes} classes, eps {args.eps:g}{extra}, float64"
    )
    print(
        f"{'activation':12} {'largest error':>20}  result   (error: ||g - g_num|| / (||g|| + ||g_num||) of a"
        f" W or b; a correct gradient is below {args.tolerance:g})"
    )
    errors = {}
    features = {
        name: value for name, value in (("dropout", args.dropout), ("label_smoothing", args.label_smoothing)) if value
    }  # only those asked for: the plain check is called as it always was
    for activation in HIDDEN_ACTIVATIONS:
        errors[activation] = error = gradient_check(
            activation, args.hidden_layer_sizes, args.alpha, args.samples, args.classes, args.seed, args.eps, **features
        )
        print(f"{activation:12} {error:20.3e}  {'ok' if error <= args.tolerance else 'FAIL'}")  # NaN: FAIL
    failed = [a for a, e in errors.items() if not e <= args.tolerance]
    worst = max(errors.values(), key=lambda e: math.inf if math.isnan(e) else e)
    overflowed = any(math.isinf(e) for e in errors.values())  # inf: a loss or a gradient was not finite
    print(
        f"worst {worst:.3e} ({'ABOVE' if failed else 'within'} tolerance {args.tolerance:g})"
        + (f": {', '.join(failed)} failed" if failed else "")
        + (f" (a loss or gradient overflowed: --alpha {args.alpha:g} is too large to check)" if overflowed else "")
    )
    return 1 if failed else 0
