"""The notebook runs top to bottom (quick settings) in a fresh kernel, outside the repository, and draws its figures."""

import re
from pathlib import Path

import pytest

from digitnet.nn.gradcheck import TOLERANCE
from digitnet.studies import studies

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "gradient_descent_digits.ipynb"
SECTIONS = [
    "1. The dataset",
    "2. The network",
    "3. Comparison with scikit-learn",
    "4. Optimising the architecture",
    "5. Training parameters",
    "6. Error analysis",
    "7. Conclusions",
]


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    headings = [
        line
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    assert len(headings) == len(SECTIONS)
    for heading, expected in zip(headings, SECTIONS):  # the original project's sections, in order
        assert heading[3:].startswith(expected), heading
    text = "\n".join(cell.source for cell in nb.cells)
    for formula in (
        r"Z^{[l]} = A^{[l-1]} W^{[l]} + b^{[l]}",
        r"\operatorname{softmax}",
        r"\log A^{[L]}_{ik}",
        r"\delta^{[L]} = A^{[L]} - Y",
        r"\theta \leftarrow \theta - \eta",
    ):
        assert formula in text
    notation = text.split("**Notation.**")[1].split("**Forward pass.**")[0]  # every symbol defined, with its shape
    for symbol in (
        "$n$",
        "$K$",
        "$X$",
        "$Y$",
        "$W^{[l]}$",
        "$Z^{[l]}$",
        "$f$, $f'$",
        r"$\delta^{[l]}$",
        r"$\odot$",
        "$J$",
        "nats",
        r"$\alpha$, $\eta$",
    ):
        assert symbol in notation, symbol
    assert 'for study in studies("training"):' in text  # every training study of the registry, in order


def test_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    from ipykernel.kernelspec import write_kernel_spec

    # A "python3" kernel that is this very interpreter, whatever kernelspecs the machine has installed.
    write_kernel_spec(str(tmp_path / "jupyter" / "kernels" / "python3"))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("DIGITNET_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "agg")
    workdir = tmp_path / "run"
    workdir.mkdir()
    # the notebook writes no file: nothing beside it, in the repository's root or in its working directory
    before = _listing(NOTEBOOK.parent), _listing(REPO)

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", allow_errors=False, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()

    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr" and "Traceback" in o.text]
    figures = [o for o in outputs if "data" in o and "image/png" in o.data]
    assert len(figures) >= 12, f"only {len(figures)} figures were drawn"
    text = "\n".join(
        o.get("text", "") + o.get("data", {}).get("text/plain", "") + o.get("data", {}).get("text/markdown", "")
        for o in outputs
    )
    assert "quick mode" in text
    assert "by hand and train_model agree: True" in text
    # the gradient check's words agree with its numbers, against the threshold it states
    line = next(l for l in text.splitlines() if l.startswith("largest error over the"))
    error, threshold = re.search(r": ([\d.e+-]+) \(threshold ([\d.e+-]+)\):", line).groups()
    assert float(threshold) == TOLERANCE and float(error) < TOLERANCE
    assert line.endswith("backpropagation agrees with the finite differences")
    assert f"threshold {TOLERANCE:.0e}: every activation passes" in text
    assert "**Comparison.** On the same 360 test digits, the network the architecture study carried forward" in text
    assert "As a drop-in, with the same parameters and seeds, digitnet reached" in text
    assert "the highest mean cross-validated accuracy of the" in text and "its parameters, enough to refit it:" in text
    for study in studies():  # every study shows what it asks, from its module
        assert study.notebook in text, study.name
        if study.section == "training":
            assert f"### {study.title}" in text, study.name
    for topic in (
        "Learning rate",
        "Epochs",
        "Batch size",
        "Optimizer",
        "Momentum",
        "Regularization",
        "Initialization",
        "How far to trust these numbers",
    ):
        assert f"**{topic}.**" in text, topic
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"the notebook printed on stderr (a warning?): {stderr}"
    assert (_listing(NOTEBOOK.parent), _listing(REPO)) == before, "the notebook wrote into the repository"
    assert _listing(workdir) == []
