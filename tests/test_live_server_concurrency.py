"""The live server that the browser tests use answers concurrent requests correctly.

A browser sends several requests at once (the page, its XHRs, a second tab), and the live server handles each in
its own thread. When every thread shared one connection (SQLite's in-memory test database), one request's
statements landed inside another's transaction: a 500 in Wagtail's page editor with errors from unrelated tables.
Here ten people log in and open their home page at the same moment; every answer must be right."""

import re
import threading

import pytest
import requests

from clinics.roles import Role
from tests.factories import PASSWORD, build_org, make_user

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

PEOPLE = 10


def test_concurrent_log_ins_on_the_live_server_all_succeed(live_server):
    from tests.reference import ensure_service_catalogue

    ensure_service_catalogue()
    org = build_org()
    names = [make_user(f"doc_c{i}", Role.VILLAGE_DOCTOR, clinic=org.ca1a).username for i in range(PEOPLE)]
    barrier = threading.Barrier(PEOPLE)
    outcomes: dict[str, str] = {}

    def visit(username: str) -> None:
        session = requests.Session()
        try:
            form = session.get(f"{live_server.url}/accounts/login/", timeout=60)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
            barrier.wait(30)
            answer = session.post(
                f"{live_server.url}/accounts/login/",
                timeout=60,
                data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
            )
            home = session.get(f"{live_server.url}/portal/", timeout=60)
            outcomes[username] = f"{answer.status_code} {home.status_code} {home.url.endswith('/portal/')}"
        except Exception as exc:
            outcomes[username] = repr(exc)

    threads = [threading.Thread(target=visit, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert outcomes == dict.fromkeys(names, "200 200 True")
