"""The README's "Adding a study", followed step by step with a throwaway study: one module (here, one class in
this test) registered once, and the CLI, the report's settings, its page and the notebook's loop all pick it up."""

import copy
import re

import pytest

from digitnet import report
from digitnet.cli import main
from digitnet.studies import Settings, Study, get, names, register, run_study, studies, unregister


class Throwaway(Study):
    """A study of the L2 penalty on a tiny network: the smallest a study can be."""

    name = "throwaway-penalty"
    title = "A throwaway study"
    order = 85  # between the L2 study (80) and the initialization study (90)
    question = "Does a tiny penalty change a tiny network?"
    description = "A throwaway study: alpha 0 and 1 on 4 relu units, 3 epochs."
    notebook = "A throwaway study, to show what adding one takes."
    grid = {"alpha": [0.0, 1.0]}
    base_params = {"hidden_layer_sizes": (4,), "max_iter": 3, "tol": 0.0}
    varied = ("alpha",)
    quick = Settings(seeds=1)
    full = Settings(seeds=1)

    def read(self, result, split):
        return result.runs.groupby("alpha")["val_accuracy"].mean().to_dict()

    def table(self, reading):
        import pandas as pd

        return pd.DataFrame({"alpha": list(reading), "validation accuracy": list(reading.values())})

    def conclusion(self, reading):
        return f"Validation accuracy by alpha: {reading}."


@pytest.fixture
def throwaway():
    study = register(Throwaway())
    yield study
    unregister(study.name)


def test_a_registered_study_is_everywhere_studies_are_listed(throwaway, tmp_path, capsys, split):
    assert names().index(throwaway.name) == names().index("regularization") + 1  # its order, nothing else said
    assert get(throwaway.name) is throwaway
    assert report.study_settings(quick=True)[throwaway.name] == Settings(seeds=1)
    outcome = run_study(throwaway.name, split, Settings(seeds=1), progress=False)
    assert set(outcome.reading) == {0.0, 1.0} and "Validation accuracy by alpha" in throwaway.conclusion(
        outcome.reading
    )
    capsys.readouterr()
    assert main(["sweep", "--help"]) == 0
    assert f"{throwaway.name:13} {throwaway.description}" in capsys.readouterr().out  # listed, with its description
    assert (
        main(
            [
                "sweep",
                "--preset",
                throwaway.name,
                "--backend",
                "serial",
                "--no-progress",
                "--out",
                str(tmp_path / "sweep"),
            ]
        )
        == 0
    )
    assert "6 runs (2 configurations × 3 seeds)" in capsys.readouterr().out  # over the study's own 3 seeds
    assert (tmp_path / "sweep" / "sweep.csv").is_file()


def test_the_page_shows_a_registered_study(built, throwaway, split):  # the shared report first, without it
    _, _, _, data = built
    data = copy.copy(data)
    outcome = run_study(throwaway.name, data.split, Settings(seeds=1), progress=False)
    data.studies = {**data.studies, throwaway.name: outcome}
    page = report.render_html(data, {}, files=[])
    section = re.search(rf'<h3 id="{throwaway.name}">(.*?)(?=<h3 |</section>)', page, re.S).group(1)
    assert throwaway.question in section and "Validation accuracy by alpha" in section and "<table" in section
    assert f"<b>{throwaway.title}.</b>" in page  # among the conclusions
    training = [s.name for s in studies("training")]
    assert training[training.index("initialization") - 1] == throwaway.name  # by its order (85), before 90
