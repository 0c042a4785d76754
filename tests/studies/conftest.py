from tests.experiments.conftest import fit_fresh, split  # noqa: F401 (the same fixtures)
