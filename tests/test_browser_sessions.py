"""No database session outlives the run once the browser tests have run (#14).

Inside Playwright's sync API an event loop runs in the test thread, so Django's thread-critical ``connections``
hands out other connection objects than outside it; a session opened by a test that ran while the browser was
open was unreachable once the browser closed, stayed open, and PostgreSQL refused to drop the test database
("is being accessed by other users"). The browser fixture now closes those connections before it leaves
Playwright. This runs that order — a browser test, then a database test under a module-scoped world — in a
pytest of its own and reads what its end of run says. Without the fix it reported the session every time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.e2e
def test_a_database_test_after_the_browser_leaves_no_session_open(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL refuses to drop a database that a session still uses")
    env = {**os.environ, "E2E_SCREENSHOTS": str(tmp_path)}
    env["PYTEST_ADDOPTS"] = ""  # without xdist its test database is test_<name>, not this run's test_<name>_gwN
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "tests/e2e/test_foundation.py::test_wrong_password_shows_chinese_error",
            "tests/clinics/test_validation.py::test_every_resource_with_numeric_columns_has_a_base_row",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "2 passed" in out, out[-3000:]
    assert "sessions still open" not in out and "being accessed by other users" not in out, out[-3000:]
