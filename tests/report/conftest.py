"""One quick report, built once for the whole session: (out_dir, index path, page text, the ReportData behind it)."""

import pytest

from digitnet import report
from digitnet.report import build


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "out"
    captured = {}
    original = build.run_studies

    def keep(**kwargs):
        captured["data"] = original(**kwargs)
        return captured["data"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build, "run_studies", keep)
        index = report.build_report(out, quick=True, progress=False)
    return out, index, index.read_text(encoding="utf-8"), captured["data"]
