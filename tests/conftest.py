import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="session")
def digits_split():
    """The project's standard split: stratified 80/20, random_state=42, scaled on the training part."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="session")
def small_digits(digits_split):
    """300 training rows of the split: enough to train on, quick to fit many times."""
    X_train, _, y_train, _ = digits_split
    return np.ascontiguousarray(X_train[:300]), y_train[:300]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One quick report, built once for the whole session (the report's tests and the studies' share it):
    (out_dir, index path, page text, the ReportData behind it)."""
    from digitnet import report
    from digitnet.report import build

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
