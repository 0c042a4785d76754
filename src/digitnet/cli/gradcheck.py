"""``digitnet gradcheck``: backpropagation checked by finite differences, from the command line."""

from __future__ import annotations

from ..errors import UsageError
from ..experiments.params import parse_layers
from ..nn.activations import HIDDEN_ACTIVATIONS
from ..nn.gradcheck import gradient_check
from .options import Formatter, argtype, number, show


def add_gradcheck(commands):
    p = commands.add_parser("gradcheck", formatter_class=Formatter, help="check backpropagation numerically",
                            description="Compare backpropagated gradients with central finite differences on a"
                            " small random network, for every hidden activation; print the worst relative error"
                            " of each. Exit status 1 if one exceeds --tolerance.")
    p.add_argument("--hidden-layer-sizes", type=argtype(parse_layers), default=(5, 4), metavar="LAYERS",
                   help="hidden layers of the test network (default: 5-4)")
    p.add_argument("--alpha", type=argtype(number(float)), default=0.01, help="L2 penalty (default: 0.01)")
    p.add_argument("--samples", type=argtype(number(int)), default=7, help="random rows (default: 7)")
    p.add_argument("--classes", type=argtype(number(int)), default=3,
                   help="classes; 2 uses one logistic output unit (default: 3)")
    p.add_argument("--seed", type=argtype(number(int)), default=0, help="seed of data and weights (default: 0)")
    p.add_argument("--eps", type=argtype(number(float)), default=1e-6, help="finite-difference step"
                   " (default: 1e-06)")
    p.add_argument("--tolerance", type=argtype(number(float)), default=1e-4,
                   help="largest acceptable relative error (default: 0.0001)")


def run_gradcheck(args):
    if args.classes < 2 or args.samples < 1 or args.eps <= 0:
        raise UsageError("gradcheck needs --classes >= 2, --samples >= 1 and --eps > 0")
    print(f"finite-difference gradient check: hidden layers {show(args.hidden_layer_sizes)}, alpha {args.alpha},"
          f" {args.samples} samples, {args.classes} classes, eps {args.eps:g}, float64")
    print(f"{'activation':12} {'max relative error':>20}  result")
    worst = 0.0
    for activation in HIDDEN_ACTIVATIONS:
        error = gradient_check(activation, args.hidden_layer_sizes, args.alpha, args.samples, args.classes, args.seed,
                               args.eps)
        worst = max(worst, error)
        print(f"{activation:12} {error:20.3e}  {'ok' if error <= args.tolerance else 'FAIL'}")
    print(f"worst {worst:.3e} ({'within' if worst <= args.tolerance else 'ABOVE'} tolerance {args.tolerance:g})")
    return 0 if worst <= args.tolerance else 1
