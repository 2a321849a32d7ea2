from tests.programs.conftest import services  # noqa: F401  # the shared fixtures of the audited apps
from tests.subsidies.conftest import sheet  # noqa: F401
