"""A real Dask cluster for the tests: a scheduler and workers, each a process of its own on 127.0.0.1."""

import contextlib
import json
import os
import subprocess
import sys
import time


class Cluster:
    """``address``; ``start_worker()``; ``kill_workers()``; ``kill_scheduler()`` (each a real SIGKILL)."""

    def __init__(self, tmp):
        self.tmp, self.workers, self.scheduler_file = tmp, [], os.path.join(tmp, "scheduler.json")
        self.log = open(os.path.join(tmp, "cluster.log"), "a")
        self.scheduler = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                self.scheduler_file,
                "--no-dashboard",
            ],
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                with open(self.scheduler_file) as f:
                    self.address = json.load(f)["address"]
                return
            time.sleep(0.1)
        raise RuntimeError("the Dask scheduler did not start")

    def start_worker(self):
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                "--scheduler-file",
                self.scheduler_file,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
            ],
            stdout=self.log,
            stderr=self.log,
        )
        self.workers.append(worker)
        return worker

    def kill_workers(self, which=None):
        for worker in self.workers if which is None else [self.workers[which]]:
            worker.kill()
            worker.wait()

    def kill_scheduler(self):
        self.scheduler.kill()
        self.scheduler.wait()

    def close(self):
        for process in [*self.workers, self.scheduler]:
            with contextlib.suppress(Exception):
                process.kill()
                process.wait(10)
        self.log.close()
