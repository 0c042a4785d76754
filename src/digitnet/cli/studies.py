"""``digitnet compare``, ``sweep``, ``results`` and ``report``: the experiments, from the command line."""

from __future__ import annotations

import os
import signal
import sys
import threading

import pandas as pd

from ..errors import UsageError
from ..experiments import compare, save_results, sweep
from ..experiments.backends import BACKENDS, require_dask
from ..experiments.params import LABEL, PARAM_NAMES, check_params, misused
from ..experiments.store import FILENAME, UNREADABLE_SUFFIX, Store
from ..experiments.summary import summarize
from ..files import check_not_inputs, prepare_out_dir
from ..report import build_report, rebuild_report
from ..studies import ALIASES, get, run_preset, studies
from ..studies.claims import sentence, write_claims
from .options import (
    PARSERS,
    Formatter,
    add_data_options,
    add_model_options,
    argtype,
    at_least,
    describe,
    fit_error,
    jobs,
    jobs_note,
    model_params,
    number,
    seed_count,
    seeds,
    split_of,
    string,
)

#: What ``compare --out DIR`` and ``sweep --out DIR`` write in DIR (none of them may be an input of the command).
COMPARE_FILES = ("compare.csv", "summary.csv", "report.csv", "results.json")
SWEEP_FILES = (
    "sweep.csv",
    "curves.json",
    "results.json",
    "claims.json",
    FILENAME,
    f"{FILENAME}-wal",
    f"{FILENAME}-shm",
    f"{FILENAME}-journal",
)
#: Worker processes of ``report`` unless --jobs says otherwise.
REPORT_JOBS = 2


def _check_out_dir(args, names):
    """Before any work: ``--out DIR`` overwrites no input (``--csv``) with one of the files ``names`` it writes,
    and can be written."""
    check_not_inputs(
        [(f"--out {args.out} (where it writes {name})", os.path.join(args.out, name)) for name in names],
        {"--csv": getattr(args, "csv", None)},
    )
    prepare_out_dir(args.out)


def _note(line):
    """Print a note about how the command runs (on stdout, with its other lines: stderr is for what went wrong)."""
    if line:
        print(line, flush=True)


def add_compare(commands):
    p = commands.add_parser(
        "compare",
        formatter_class=Formatter,
        help="ours vs MLPClassifier over seeds",
        description="Train NumpyMLPClassifier and scikit-learn's MLPClassifier with the same"
        " parameters on the same split for each seed; write DIR/compare.csv (one row per run),"
        " DIR/summary.csv and DIR/results.json, and print the summary and a paired t-test.",
    )
    add_model_options(p)
    add_data_options(p)
    p.add_argument("--seeds", type=argtype(seed_count), default=5, help="seeds 0..N-1 (default: 5)")
    p.add_argument(
        "--per-class", action="store_true", help="also write per-class report.csv and confusion matrices (default: off)"
    )
    p.add_argument(
        "--jobs",
        type=argtype(jobs),
        default=1,
        help="parallel processes, never more than the usable cores or the fits; -1 = every core;"
        " 2 or more run each seed's two fits at once, one per core (the same results, fit times"
        " measured side by side) (default: 1, one fit at a time)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress (default: shown)")
    p.add_argument("--out", metavar="DIR", required=True, help="output directory (required; created if needed)")


def run_compare(args):
    _check_out_dir(args, COMPARE_FILES)
    split = split_of(args)
    _note(jobs_note(args.jobs, 2 * args.seeds, "fits"))
    try:
        result = compare(
            split,
            seeds=args.seeds,
            per_class=args.per_class,
            n_jobs=args.jobs,
            progress=not args.no_progress,
            **model_params(args),
        )
    except ValueError as exc:
        if isinstance(exc, UsageError):
            raise
        raise fit_error(exc) from None
    print(describe(split))
    print(result.table().to_string())
    print(result.test.describe())
    paths = save_results(result, args.out)
    print("wrote " + ", ".join(paths))
    return 0


def add_sweep(commands):
    p = commands.add_parser(
        "sweep",
        formatter_class=Formatter,
        help="train a grid of configurations",
        description="Train every configuration of a grid for every seed; write DIR/sweep.csv"
        " (one row per run, its parameters as columns), DIR/curves.json (per-epoch curves) and"
        " DIR/results.json, exported from DIR/sweep.sqlite, the results store that every"
        " finished run is committed to at once. Interrupted (Ctrl-C, a kill) or extended, the"
        " same command resumes: runs already in the store are not trained again."
        "\n\npresets:\n" + "\n".join(f"  {study.name:13} {study.description}" for study in studies()),
        epilog="examples:\n  digitnet sweep --preset learning-rate --out out/lr\n"
        "  digitnet sweep --param hidden_layer_sizes=32,64-32 --param activation=relu,tanh"
        " --seeds 3 --cv 5 --jobs 4 --out out/grid\n"
        "  digitnet sweep --param max_iter=50,100,200 --backend dask --scheduler tcp://10.0.0.5:8786"
        " --out out/big\n  digitnet results out/grid",
    )
    p.add_argument(
        "--preset",
        choices=[s.name for s in studies()] + list(ALIASES),
        metavar="NAME",
        help=f"run a preset study: {', '.join(s.name for s in studies())} (default: none; 'seed' is the old name of"
        " 'original-to-ours'); --param then"
        " replaces that axis of its grid",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="a grid axis: any NumpyMLPClassifier parameter and its values, comma-separated;"
        " repeatable (default: none)",
    )
    p.add_argument(
        "--seeds",
        type=argtype(seeds),
        default=None,
        help="seeds per configuration: a count N (seeds"
        " 0..N-1) or a list (3,4,5: another replication of a study) (default: the preset's, 3; without a"
        " preset 1)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="with --preset: the study's quick settings (fewer seeds and"
        " epochs, the report's --quick) (default: its full settings)",
    )
    p.add_argument(
        "--cv",
        type=argtype(number(int)),
        default=None,
        metavar="K",
        help="stratified K-fold cross-validation on the training part instead of the validation split (default: off)",
    )
    _add_sweep_where(p)
    add_model_options(
        p,
        "Shared by every configuration; with --preset they override the preset's own"
        " settings (see results.json), else the defaults below.",
    )
    add_data_options(p, validation_size=0.2)


def _add_sweep_where(p):
    """The sweep's options on where it trains and where it writes."""
    p.add_argument(
        "--backend",
        choices=list(BACKENDS),
        default="processes",
        help="where to train: 'processes' (a pool of --jobs worker processes), 'dask' (a Dask cluster:"
        " --scheduler's, or a local one of --jobs workers started for the sweep; needs pip install -e"
        " \".[dask]\") or 'serial' (this process, for debugging); results do not depend on it"
        " (default: processes)",
    )
    p.add_argument(
        "--jobs",
        type=argtype(jobs),
        default=-1,
        help="worker processes of --backend"
        " processes or of a local Dask cluster, never more than the usable cores or the chunks of work;"
        " -1 = every core (default: -1)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --backend dask: the address of a running Dask"
        " scheduler, like tcp://HOST:8786, whose workers have digitnet installed (default: start a local"
        " cluster on 127.0.0.1 for the sweep)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar (default: shown)")
    p.add_argument(
        "--out",
        metavar="DIR",
        required=True,
        help="output directory (required; created if needed);"
        " every finished run is saved at once in DIR/sweep.sqlite, and running the same command again"
        " trains only the runs not there yet",
    )


def _parse_param(text):
    """``name=v1,v2`` -> (name, [values]) with values parsed for that parameter."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise UsageError(f"--param takes NAME=VALUE1,VALUE2,...; got {text!r}")
    if name == LABEL:
        return name, [v.strip() for v in values.split(",")]
    if name not in PARAM_NAMES:
        check_params({name: None})  # raises the unknown-name error, with the closest known name
    parse = PARSERS.get(name, string)
    parsed = []
    for value in values.split(","):
        try:
            parsed.append(parse(value.strip()))
        except UsageError as exc:
            hint = misused(name, value)
            raise UsageError(f"--param {name}: {exc}" + (f"; {hint}" if hint else "")) from None
        try:
            check_params({name: parsed[-1]})
        except UsageError as exc:
            raise UsageError(f"--param {name}={value.strip()}: {exc}") from None
    return name, parsed


def run_sweep(args):
    axes = {}
    for text in args.param:
        name, values = _parse_param(text)
        if name in axes:
            raise UsageError(f"--param {name} is given twice; put all its values in one --param")
        axes[name] = values
    if not args.preset and not axes:
        raise UsageError("give --preset NAME or at least one --param NAME=V1,V2,... (see 'digitnet sweep --help')")
    if args.cv is not None and args.cv < 2:
        raise UsageError(f"--cv needs at least 2 folds, got {args.cv}")
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler needs --backend dask")
    if args.backend == "dask":
        require_dask()  # before any work: one line saying how to install Dask
    _check_out_dir(args, SWEEP_FILES)
    split = split_of(args, validation_size=0.0 if args.cv else None)
    if args.backend != "serial" and not args.scheduler:  # --jobs sizes a pool or a local cluster of this machine
        _note(jobs_note(args.jobs))
    base = model_params(args)
    options = dict(
        seeds=args.seeds,
        cv=args.cv,
        n_jobs=args.jobs,
        progress=not args.no_progress,
        backend=args.backend,
        scheduler=args.scheduler,
        store=os.path.join(args.out, FILENAME),
        log=_log,
    )
    if args.quick and not args.preset:
        raise UsageError("--quick takes a study's quick settings: give --preset NAME too")
    with _sigterm_as_interrupt():
        if args.preset:
            study = get(args.preset)
            settings = study.settings(args.quick)
            options["seeds"] = settings.seeds if options["seeds"] is None and args.quick else options["seeds"]
            result = run_preset(
                study, split, grid={**(settings.grid or {}), **axes}, params={**settings.params, **base}, **options
            )
        else:
            result = sweep(axes, split, base_params=base, **{**options, "seeds": options["seeds"] or 1})
    print(describe(split))
    _print_sweep(result)
    paths = save_results(result, args.out)
    if args.preset:
        paths.append(_write_claims(study, result, split, args.out))
    print(
        f"wrote {paths[0]} (every run, one row each), {', '.join(paths[1:])}; 'digitnet results {args.out}' ranks"
        " every configuration in the store"
    )
    return 0


def _write_claims(study, result, split, out):
    """Read a preset's sweep as its study reads it, print what it claims, and write DIR/claims.json."""
    claims = study.claims(study.read(result, split))
    if claims:
        print(f"what the {study.name} study claims ({study.metric}; stated only when it replicates):")
        for claim in claims:
            print(f"  {'supported' if claim.supported else 'uncertain'}: {sentence(claim)}")
    return write_claims(claims, out)


def _log(line):
    """A sweep's lines before training: its warnings (a damaged store, unreadable rows) on stderr."""
    if line.startswith("warning: "):
        print(f"digitnet: {line}", file=sys.stderr, flush=True)
    else:
        print(line, flush=True)


#: Configurations a sweep's summary lists (``digitnet results --top N`` lists more).
SWEEP_TOP = 5


def _print_sweep(result):
    """A few lines about a finished sweep: how many runs, its best configurations, failures and divergences."""
    config, runs = result.config, result.runs
    # one vocabulary with 'digitnet results': a run is one configuration, seed and fold; a training can serve
    # several runs (read off at several max_iter)
    folds = f" × {config.cv} folds" if config.cv else ""
    resumed = f"; {config.n_found} runs were already in the store" if config.n_found else ""
    print(
        f"{config.n_runs} runs ({config.n_configs} configurations × {len(config.seeds)} seeds{folds}) from"
        f" {config.n_trainings} trainings in {result.elapsed:.1f} s ({config.n_trained} trained now{resumed})"
    )
    for section in summarize(result.stored, top=SWEEP_TOP).sections:
        _print_section(section)
    if "error" in runs:
        failed = runs[runs["error"] != ""]
        print(f"{len(failed)} run(s) failed; the first: {failed['error'].iloc[0]}")
    diverged = runs["diverged_at"].notna() if "diverged_at" in runs else []
    if any(diverged):
        print(f"{int(sum(diverged))} run(s) diverged (the diverged_at column of sweep.csv says at which epoch)")
    if result.best is not None:  # the test set is looked at once, for the chosen configuration only
        best = result.best
        print(
            f"chosen by validation accuracy: hidden_layer_sizes={best.hidden_layer_sizes}"
            f" activation={best.activation}: validation {best.val_accuracy:.4f}, test (checked once)"
            f" {best.test_accuracy:.4f}"
        )


def _number(value):
    """A number of a summary table: a whole one as an integer (epochs: ``200``, also past 10,000), else 4 digits."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.4g}"


def _print_section(section):
    """One dataset's ranking: its heading, the table, the best configuration."""
    print(section.heading)
    with pd.option_context("display.width", 200, "display.max_columns", 50, "display.max_rows", 1000):
        # "-" where there is no number: a spread over one seed, a metric of a run that diverged
        print(section.table.to_string(index=False, na_rep="-", float_format=_number))
    print(section.best)


class _sigterm_as_interrupt:
    """While active, SIGTERM raises KeyboardInterrupt: a killed sweep stops as cleanly as one given Ctrl-C."""

    def __enter__(self):
        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
        return False


def add_results(commands):
    p = commands.add_parser(
        "results",
        formatter_class=Formatter,
        help="best configurations of a sweep's store",
        description="Print the best configurations and a summary of the runs in a sweep's"
        " results store (DIR/sweep.sqlite, written by 'digitnet sweep --out DIR'), without"
        " training anything. Configurations are ranked by their mean validation accuracy over"
        " seeds (and folds, with --cv); the test accuracy when there is no validation score.",
    )
    p.add_argument("dir", metavar="DIR", help="the sweep's output directory (or its sweep.sqlite file) (required)")
    p.add_argument(
        "--top",
        type=argtype(at_least(1, "configurations to list")),
        default=10,
        help="configurations to list (default: 10)",
    )


def run_results(args):
    path = args.dir
    if os.path.isdir(path):
        path = os.path.join(path, FILENAME)
    if not os.path.isfile(path):
        raise UsageError(f"no results store at {path}: 'digitnet sweep --out DIR' writes DIR/{FILENAME}")
    with Store(path, readonly=True) as store:
        rows, sweeps, damage, unreadable = store.rows(), store.sweeps(), store.damage, store.unreadable
    if damage:
        print(
            f"digitnet: warning: the results store {path} is damaged ({damage}): showing its {len(rows)} readable runs",
            file=sys.stderr,
        )
    if unreadable:
        print(_unreadable_warning(path, unreadable), file=sys.stderr)
    if not rows:
        print(f"{path}: no finished runs yet")
        return 0
    summary = summarize(rows, sweeps, top=args.top)
    for line in summary.lines:
        print(line)
    for section in summary.sections:
        _print_section(section)
    return 0


def _unreadable_warning(path, unreadable):
    """One line about the rows of a store that cannot be read (:class:`~digitnet.experiments.store.Unreadable`)."""
    n, runs = len(unreadable), [u for u in unreadable if u.table == "runs"]
    then = ""
    if any(UNREADABLE_SUFFIX not in str(u.key) for u in runs):
        then = "; running the same sweep again trains their runs anew, keeping the rows"
    elif runs:  # rows a sweep set aside, having trained their runs again
        then = (
            f"; their runs were trained again and the rows kept, with run ids ending in {UNREADABLE_SUFFIX}:"
            " delete them with sqlite3 if you do not need them"
        )
    return (
        f"digitnet: warning: skipped {n} row{'s' if n != 1 else ''} of {path} that cannot be read"
        f" ({unreadable[0]}){then}"
    )


def add_report(commands):
    p = commands.add_parser(
        "report",
        formatter_class=Formatter,
        help="run every study and write an HTML report",
        description="Run the comparison with MLPClassifier and every study ("
        + ", ".join(s.title.lower() for s in studies())
        + "),"
        " then write DIR/index.html: one self-contained page (figures embedded) with a section per part of the"
        " project and conclusions computed from the numbers just measured. DIR also gets every figure as PNG and"
        " every study's results as CSV and JSON. With --from DIR, draw the figures and write DIR/index.html again"
        " from the results already in DIR, without training (after changing a template, a script or a sentence).",
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="DIR", help="output directory (created if needed; this or --from is required)")
    where.add_argument(
        "--from",
        dest="from_dir",
        metavar="DIR",
        help="a folder an earlier 'digitnet report --out"
        " DIR' wrote: rebuild its figures and page from its saved results, training nothing",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="few seeds and epochs: a smoke run in under a minute (default: the full report, a few minutes)",
    )
    p.add_argument(
        "--seeds",
        type=argtype(seeds),
        default=None,
        help="seeds per study: a count N (seeds 0..N-1) or a list (3,4,5: another replication of every"
        " study) (default: 10 for the comparison and 3 per study; quick: 3 and 2)",
    )
    p.add_argument(
        "--jobs",
        type=argtype(jobs),
        default=REPORT_JOBS,
        help="parallel processes for the sweeps, never more than the usable cores; -1 = every core"
        f" (default: {REPORT_JOBS})",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress lines (default: shown)")


def run_report(args):
    if args.from_dir is not None:
        if args.quick or args.seeds is not None:
            raise UsageError(
                "--from rebuilds the page from the results in the folder: --quick and --seeds do not"
                " apply (run 'digitnet report --out DIR' to train again)"
            )
        index = rebuild_report(args.from_dir, progress=not args.no_progress)
        print(f"wrote {index}")
        return 0
    if args.jobs != REPORT_JOBS:  # the default is no one's request: a one-core machine runs it on one unsaid
        _note(jobs_note(args.jobs))
    index = build_report(args.out, quick=args.quick, seeds=args.seeds, n_jobs=args.jobs, progress=not args.no_progress)
    print(f"wrote {index}")
    return 0
