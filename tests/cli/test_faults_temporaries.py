"""Temporary files that are ours alone: a save into a folder removes a killed writer's temporary file, and
nothing else, however much a user's file looks like one (real files, a real killed process, a real ``train``)."""

import os
import re
import signal
import subprocess
import sys

from digitnet.files import TEMPORARY_PREFIX, remove_stale_temporaries, temporary_beside

QUICK = ["--hidden-layer-sizes", "8", "--max-iter", "3"]

#: Exactly the form of our temporary files (the test's own reading of the documented form).
OURS = re.compile(r"^\.digitnet-tmp\.(.+)\.([0-9a-f]{8})\.([1-9][0-9]*)\.([0-9a-f]{16})\.tmp$")


def _killed_writer(target):
    """The temporary file that a real process, killed (SIGKILL) in the middle of writing ``target``, left."""
    code = (
        "import os, signal, sys\nfrom digitnet.files import atomic_write\n"
        "atomic_write(sys.argv[1], lambda f: (f.write(b'half'), f.flush(), os.kill(os.getpid(), signal.SIGKILL)))"
    )
    killed = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    [left] = [n for n in os.listdir(os.path.dirname(target)) if n.startswith(TEMPORARY_PREFIX)]
    return left


def _user_files(folder, stale):
    """Files a user may well have, shaped like today's temporaries or like ours with one thing off; and
    things of exactly our form that are not our files (a folder, a link, someone else's file)."""
    name, host, pid, random = OURS.match(stale).groups()
    other_host = "0" * 8 if host != "0" * 8 else "1" * 8
    files = {
        ".thesis.2023.final.tmp": b"three years of work",  # the shape of the old pattern, with no such process
        f".{name}.{pid}.abc_d3f9.tmp": b"old pattern, dead writer",
        f".digitnet-tmp.{name}.{other_host}.{pid}.{random}.tmp": b"another host's",
        f".digitnet-tmp.{name}.{host}.{pid}.{random[:-1]}.tmp": b"15 random digits",
        f".digitnet-tmp.{name}.{host}.{pid}.{random}0.tmp": b"17 random digits",
        f".digitnet-tmp.{name}.{host}.{pid}.{random.upper()}.tmp": b"capitals",
        f".digitnet-tmp.{name}.{host}.0{pid}.{random}.tmp": b"a leading zero",
        f".digitnet-tmp.{name}.{host}.{pid}.{random}.tmp.bak": b"a backup of one",
        f"digitnet-tmp.{name}.{host}.{pid}.{random}.tmp": b"no leading dot",
        f".digitnet-tmp.{host}.{pid}.{random}.tmp": b"no name",
        f".Digitnet-tmp.{name}.{host}.{pid}.{random}.tmp": b"another prefix",
    }
    for file, content in files.items():
        (folder / file).write_bytes(content)
    exact = [f".digitnet-tmp.{name}.{host}.{pid}.{r}.tmp" for r in ("0" * 16, "1" * 16, "2" * 16)]
    (folder / exact[0]).mkdir()  # a folder of our form is not a file of ours
    (folder / "keep.txt").write_bytes(b"linked to")
    os.symlink("keep.txt", folder / exact[1])  # nor is a link
    (folder / exact[2]).write_bytes(b"someone else's")
    if os.getuid() == 0:  # nor a file of another user
        os.chown(folder / exact[2], 65534, 65534)
    else:
        exact.pop()
    return files, exact


def test_a_save_removes_a_killed_writers_temporary_and_no_user_file(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    stale = _killed_writer(folder / "model.npz")
    assert OURS.match(stale), stale
    files, exact = _user_files(folder, stale)
    done = subprocess.run(
        [sys.executable, "-m", "digitnet.cli", "train", *QUICK, "--save", str(folder / "model.npz")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "saved model to" in done.stdout
    left = set(os.listdir(folder))
    assert stale not in left  # the killed writer's temporary file is gone
    assert {file: (folder / file).read_bytes() for file in files} == files  # every user file is there, unchanged
    assert set(exact) <= left and (folder / exact[0]).is_dir() and os.path.islink(folder / exact[1])
    assert left == {*files, *exact, "keep.txt", "model.npz"}  # and nothing of ours is left behind


def test_a_live_writers_temporary_and_our_own_are_left_alone(tmp_path):
    """A temporary file whose writer is alive (here: another real process, still running) is being written."""
    code = (
        "import os, sys, time\nfrom digitnet.files import temporary_beside\n"
        "fd, path = temporary_beside(sys.argv[1]); print(path, flush=True); time.sleep(60)"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "out.csv")], stdout=subprocess.PIPE, text=True
    )
    try:
        theirs = os.path.basename(writer.stdout.readline().strip())
        fd, mine = temporary_beside(tmp_path / "mine.csv")
        os.close(fd)
        assert OURS.match(theirs) and OURS.match(os.path.basename(mine))
        assert remove_stale_temporaries(tmp_path) == []
        assert sorted(os.listdir(tmp_path)) == sorted([theirs, os.path.basename(mine)])
    finally:
        writer.kill()
        writer.wait()
    assert remove_stale_temporaries(tmp_path) == [theirs]  # its writer is gone now


def test_temporary_names_are_created_exclusively_and_never_reused(tmp_path):
    names = set()
    for _ in range(200):
        fd, path = temporary_beside(tmp_path / "x.csv")
        os.close(fd)
        names.add(path)
    assert len(names) == 200 == len(os.listdir(tmp_path))
    long_name = "é" * 120 + ".csv"  # 244 bytes: its temporary name must still fit in 255
    fd, path = temporary_beside(tmp_path / long_name)
    os.close(fd)
    assert len(os.fsencode(os.path.basename(path))) <= 255 and OURS.match(os.path.basename(path))
