from tests.experiments.conftest import fit_fresh, split  # noqa: F401 (the same fixtures)
from tests.report.conftest import built  # noqa: F401 (the session's quick report, for tests that render a page)
