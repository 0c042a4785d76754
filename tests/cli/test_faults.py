"""Faults of the machine, tested for real: full disks (a file-size limit, a small tmpfs), killed processes,
damaged and read-only stores, outputs that cannot be written. Each ends in one line and loses nothing committed."""

import contextlib
import json
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time

import pandas as pd
import pytest

from digitnet.cli import main
from digitnet.experiments.store import FILENAME, Store
from digitnet.files import atomic_write, temporary_beside
from digitnet.studies.original_to_ours import layout

QUICK = ["--hidden-layer-sizes", "8", "--max-iter", "3"]
SWEEP = [
    "sweep",
    "--param",
    "hidden_layer_sizes=6,9,12,15,18",
    "--param",
    "alpha=0.0001,0.001,0.01",
    "--max-iter",
    "40",
    "--tol",
    "0",
    "--seeds",
    "2",
    "--backend",
    "serial",
    "--no-progress",
]


def digitnet(*argv, fsize=None, timeout=300, user=None):
    """The digitnet command in a process of its own, with a file-size limit (bytes) if given."""

    def setup():
        if fsize is not None:  # writing past the limit fails with EFBIG, as on a full disk, instead of a signal
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if user is not None:
            os.setgid(user[1])
            os.setuid(user[0])

    return subprocess.run(
        [sys.executable, "-m", "digitnet.cli", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=setup,
    )


def one_error_line(done, code=2):
    assert done.returncode == code, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def temporaries(directory):
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


# ------------------------------------------------------------------------------ full disks


def test_saving_a_model_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    done = digitnet("train", *QUICK, "--save", tmp_path / "model.npz", fsize=4096)
    line = one_error_line(done)
    assert "File too large" in line and "model.npz" in line
    assert os.listdir(tmp_path) == []  # no model file, no temporary file


def _store_runs(path):
    with Store(path, readonly=True) as store:
        assert store.integrity_check() == "ok"
        return {r.run_id: r for r in store.rows()}


def test_a_sweep_whose_store_fills_the_disk_keeps_every_committed_run(tmp_path):
    out = tmp_path / "grid"
    done = digitnet(*SWEEP, "--out", out, fsize=96 * 1024)
    line = one_error_line(done)
    assert "cannot write to the results store" in line and "runs saved in" in line, line
    saved = int(line.split(" runs saved in")[0].rsplit("; ", 1)[1].split(" of ")[0])
    committed = _store_runs(out / FILENAME)
    assert 0 < saved == len(committed) < 30
    assert temporaries(out) == []
    again = digitnet(*SWEEP, "--out", out)  # with room again, the same command finishes the sweep
    assert again.returncode == 0, again.stderr
    assert f"{saved} of 30 runs found, {30 - saved} to train" in again.stdout
    finished = _store_runs(out / FILENAME)
    assert len(finished) == 30 and all(finished[k] == v for k, v in committed.items())


@contextlib.contextmanager
def _tmpfs(size):
    """A real, small file system (a tmpfs of ``size``); skips the test where it cannot be mounted (not root)."""
    where = tempfile.mkdtemp(prefix="digitnet-tmpfs-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", where], capture_output=True)
    if mounted.returncode != 0:
        os.rmdir(where)
        pytest.skip(
            f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}); the file-size limit tests cover it"
        )
    try:
        yield where
    finally:
        subprocess.run(["umount", where], capture_output=True)
        os.rmdir(where)


def test_a_sweep_on_a_really_full_disk(tmp_path):
    with _tmpfs("160k") as disk:
        done = digitnet(*SWEEP, "--out", os.path.join(disk, "grid"))
        line = one_error_line(done)
        assert "cannot write" in line and ("disk is full" in line or "No space left" in line), line
        if "runs saved in" in line:
            saved = int(line.split(" runs saved in")[0].rsplit("; ", 1)[1].split(" of ")[0])
            assert len(_store_runs(os.path.join(disk, "grid", FILENAME))) == saved
        assert temporaries(os.path.join(disk, "grid")) == []


def test_temporary_files_of_a_killed_writer_are_removed_by_the_next_run(tmp_path):
    """A real process killed (SIGKILL) in the middle of writing leaves its temporary file; the next command that
    writes there removes it, and leaves alone the temporary file of a writer that is still alive."""
    out = tmp_path / "out"
    out.mkdir()
    code = (
        "import os, signal, sys\nfrom digitnet.files import atomic_write\n"
        "atomic_write(sys.argv[1], lambda f: (f.write(b'half'), f.flush(), os.kill(os.getpid(), signal.SIGKILL)))"
    )
    killed = subprocess.run([sys.executable, "-c", code, str(out / "sweep.csv")], capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    [stale] = temporaries(out)
    fd, alive = temporary_beside(out / "other.csv")  # ours: this process is alive
    os.close(fd)
    assert (
        main(
            [
                "sweep",
                "--param",
                "max_iter=2",
                "--hidden-layer-sizes",
                "6",
                "--backend",
                "serial",
                "--no-progress",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert stale not in os.listdir(out) and os.path.basename(alive) in os.listdir(out)
    assert not (out / "sweep.csv").read_text().startswith("half")


# ------------------------------------------------------------------------------ outputs checked before any work


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["train", *QUICK, "--save", "{dir}"],
            "cannot write the model file {dir}: it is a directory; give a file name",
        ),
        (["train", *QUICK, "--save", ""], "the model file is an empty name; give a file name"),
        (
            ["predict", "--model", "{dir}/m.npz", "--dataset", "digits", "--out", "{dir}"],
            "cannot write the predictions file {dir}: it is a directory; give a file name",
        ),
        (["compare", "--seeds", "2", "--out", ""], "the output directory is an empty name; give a directory"),
    ],
)
def test_outputs_are_checked_before_any_work(tmp_path, capsys, argv, message):
    start = time.perf_counter()
    code = main([a.format(dir=tmp_path) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.strip() == f"digitnet: error: {message.format(dir=tmp_path)}"
    assert time.perf_counter() - start < 5  # nothing was trained


# ------------------------------------------------------------------------------ killed sweeps


def _children(pid):
    import psutil

    return psutil.Process(pid).children(recursive=True)


def test_a_killed_sweep_takes_its_workers_with_it_and_is_seen_as_interrupted(tmp_path):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "grid"
    argv = [
        sys.executable,
        "-m",
        "digitnet.cli",
        "sweep",
        "--param",
        "hidden_layer_sizes=16,32,64",
        "--param",
        "learning_rate_init=0.001,0.01",
        "--max-iter",
        "300",
        "--tol",
        "0",
        "--seeds",
        "3",
        "--jobs",
        "2",
        "--backend",
        "processes",
        "--no-progress",
        "--out",
        str(out),
    ]
    sweep = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        workers = _children(sweep.pid)
        if len(workers) >= 2 and (out / FILENAME).exists() and Store(out / FILENAME, readonly=True).count() > 0:
            break
        time.sleep(0.2)
    assert workers, "the sweep started no worker"
    os.kill(sweep.pid, signal.SIGKILL)
    sweep.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers):
        time.sleep(0.2)
    assert not [w.pid for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    shown = digitnet("results", out)
    assert shown.returncode == 0 and "the last, 'sweep', started" in shown.stdout and ": interrupted," in shown.stdout
    with Store(out / FILENAME) as store:  # opened for writing: the abandoned sweep is marked in the file itself
        assert store.sweeps()[-1].status == "interrupted"
    with sqlite3.connect(out / FILENAME) as conn:
        assert conn.execute("SELECT status FROM sweeps").fetchall() == [("interrupted",)]


# ------------------------------------------------------------------------------ damaged and read-only stores


def _sweep_into(out, *extra):
    assert (
        main(
            [
                "sweep",
                "--param",
                "hidden_layer_sizes=6,9",
                "--param",
                "max_iter=2,3",
                "--seeds",
                "2",
                "--backend",
                "serial",
                "--no-progress",
                *extra,
                "--out",
                str(out),
            ]
        )
        == 0
    )


def test_a_damaged_store_is_read_as_far_as_it_can_and_kept_aside_by_the_next_sweep(tmp_path, capsys):
    out = tmp_path / "grid"
    _sweep_into(out)
    capsys.readouterr()
    path = out / FILENAME
    with sqlite3.connect(path) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    with open(path, "r+b") as f:  # scribble over a page in the middle of the file
        f.seek(4096 * (pages // 2))
        f.write(b"\xde\xad\xbe\xef" * 1024)
    assert main(["results", str(out)]) == 0
    out_text, err = capsys.readouterr()
    assert err.startswith(f"digitnet: warning: the results store {path} is damaged (") and err.count("\n") == 1
    readable = int(err.split("showing its ")[1].split()[0])
    assert readable <= 8 and "configurations" in out_text
    _sweep_into(out)
    text, err = capsys.readouterr()
    assert err.startswith(f"digitnet: warning: the results store {path} is damaged (") and err.count("\n") == 1
    assert f"copied its {readable} readable runs into a new {path}" in err
    [aside] = [p for p in os.listdir(out) if ".damaged-" in p and not p.endswith(("-wal", "-shm"))]
    assert os.path.getsize(out / aside) > 0  # the damaged file is kept, untouched
    assert f"{readable} of 8 runs found, {8 - readable} to train" in text
    assert len(_store_runs(path)) == 8


@contextlib.contextmanager
def _read_only_directory():
    """A directory this process cannot write to, holding a store: a read-only file system (a tmpfs remounted
    read-only, which binds root too) where it can be mounted, else (not root) a directory of mode 0555."""
    if os.getuid() == 0:
        with _tmpfs("8m") as where:
            _sweep_into(where)
            remount = subprocess.run(["mount", "-o", "remount,ro", where], capture_output=True)
            if remount.returncode != 0:
                pytest.skip(f"cannot remount read-only: {remount.stderr.decode().strip()}")
            yield where
        return
    where = tempfile.mkdtemp(prefix="digitnet-ro-")
    try:
        _sweep_into(where)
        os.chmod(where, 0o555)
        yield where
    finally:
        os.chmod(where, 0o755)
        subprocess.run(["rm", "-rf", where])


def test_results_reads_a_store_in_a_read_only_directory():
    with _read_only_directory() as where:
        with pytest.raises(OSError):  # really read-only
            open(os.path.join(where, "probe"), "w").close()
        done = digitnet("results", where)
        assert done.returncode == 0, done.stderr
        assert "8 runs of 4 configurations" in done.stdout and done.stderr == ""
        assert sorted(os.listdir(where)) == sorted([FILENAME, "curves.json", "results.json", "sweep.csv"])


def test_results_never_ranks_different_datasets_together_nor_a_failed_configuration(tmp_path, capsys):
    out = tmp_path / "mixed"
    _sweep_into(out)
    assert (
        main(
            [
                "sweep",
                "--param",
                "learning_rate_init=1e100,0.01",
                "--solver",
                "sgd",
                "--momentum",
                "0",
                "--max-iter",
                "3",
                "--hidden-layer-sizes",
                "6",
                "--dataset",
                "iris",
                "--backend",
                "serial",
                "--no-progress",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert "digits (validation split): best 4 of 4 configurations" in text
    assert "iris (validation split): best 2 of 2 configurations" in text
    best_lines = [line for line in text.splitlines() if line.startswith("best: ")]
    assert len(best_lines) == 2 and not any("nan" in line for line in best_lines)
    assert "learning_rate_init=0.01" in best_lines[1]


# ------------------------------------------------------------------------------ small things a new user hit


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "digitnet 0.1.0"


def test_train_says_not_converged_only_when_max_iter_stopped_it_and_shows_other_warnings(capsys):
    assert main(["train", "--hidden-layer-sizes", "8", "--max-iter", "3", "--batch-size", "5000"]) == 0
    out, err = capsys.readouterr()
    assert "(not converged: max_iter reached)" in out
    assert err.strip() == (
        "digitnet: warning: Got `batch_size` less than 1 or larger than sample size. It is going to be clipped"
    )
    assert main(["train", "--hidden-layer-sizes", "8", "--max-iter", "200", "--tol", "10"]) == 0
    out, err = capsys.readouterr()
    assert "not converged" not in out and err == ""


def test_a_run_that_explodes_without_reaching_infinity_is_said_to_diverge(capsys, tmp_path):
    code = main(
        [
            "train",
            "--solver",
            "sgd",
            "--learning-rate-init",
            "10",
            "--momentum",
            "0",
            "--max-iter",
            "50",
            "--hidden-layer-sizes",
            "16",
            "--save",
            str(tmp_path / "m.npz"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("digitnet: error: training diverged at epoch ") and "the loss rose from" in err
    assert "use a smaller --learning-rate-init (now 10); the model was not saved" in err
    assert not (tmp_path / "m.npz").exists()


def test_progress_in_a_log_is_plain_lines(tmp_path):
    done = digitnet(
        "sweep",
        "--param",
        "max_iter=2,3",
        "--hidden-layer-sizes",
        "6",
        "--seeds",
        "2",
        "--backend",
        "serial",
        "--out",
        tmp_path / "o",
    )
    assert done.returncode == 0
    assert "\r" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("sweep: 2/2 trainings (100%) in ")
    compared = digitnet("compare", "--seeds", "2", *QUICK, "--out", tmp_path / "c")
    assert compared.returncode == 0 and compared.stderr.strip().startswith("compare: 4/4 fits (100%) in ")


def test_the_original_setting_preset_keeps_its_old_name(tmp_path, capsys):
    assert (
        main(
            [
                "sweep",
                "--preset",
                "seed",
                "--param",
                "max_iter=3",
                "--seeds",
                "1",
                "--backend",
                "serial",
                "--no-progress",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    meta = json.loads((tmp_path / "results.json").read_text())
    assert meta["config"]["preset"] == "original-to-ours"
    assert len(pd.read_csv(tmp_path / "sweep.csv")) == len(layout().arms)


def test_stat_of_written_files(tmp_path):
    """Files come out as regular files of mode 0644, whatever wrote them."""
    atomic_write(tmp_path / "x.bin", lambda f: f.write(b"1"))
    assert stat.S_IMODE(os.stat(tmp_path / "x.bin").st_mode) == 0o644
