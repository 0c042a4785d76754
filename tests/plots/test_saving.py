"""Saving figures atomically, in any format, and no global pyplot state."""

import inspect
import os

import pytest
from matplotlib.figure import Figure

from digitnet import plots

from .helpers import PNG_SIGNATURE


def test_save_figure_is_atomic(tmp_path, monkeypatch):
    fig = Figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    target = tmp_path / "sub" / "dir" / "plot.png"
    plots.save_figure(fig, target)  # creates the missing directories
    original = target.read_bytes()
    assert original[:8] == PNG_SIGNATURE
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)

    def broken_savefig(*args, **kwargs):
        args[0].write(b"half an image")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken_savefig)
    with pytest.raises(RuntimeError, match="disk full"):
        plots.save_figure(fig, target)
    assert target.read_bytes() == original  # the previous file is intact
    assert os.listdir(target.parent) == ["plot.png"]  # and no temporary file is left


def test_save_figure_other_formats(tmp_path):
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    assert plots.save_figure(fig, tmp_path / "plot.svg").read_text().lstrip().startswith("<?xml")


def test_figures_stay_out_of_pyplot(comparison):
    """Figures are plain Figure objects: pyplot never registers them, so nothing leaks or needs closing."""
    import matplotlib.pyplot as plt

    source = inspect.getsource(plots)
    assert "matplotlib.pyplot" not in source and "import pyplot" not in source
    before = plt.get_fignums()
    fig = plots.comparison_bars(comparison)
    assert fig.canvas.manager is None
    assert plt.get_fignums() == before
