"""Every role × every URL of our apps gets exactly the expected status (see tests/permissions.py)."""

import importlib
import pkgutil

import pytest
from django.urls import get_resolver, reverse

import tests
from tests.permissions import ROLES, matches


def _all_cases():
    cases = []
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:
            continue
        try:
            matrix = importlib.import_module(f"tests.{module.name}.matrix")
        except ModuleNotFoundError:
            continue
        cases.extend(matrix.CASES)
    return cases


CASES = _all_cases()


def _case_id(case):
    return case.id or case.url_name


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_matrix(case, org, client_for):
    url = reverse(case.url_name, args=case.args(org))
    if case.query:
        url += "?" + case.query
    failures = []
    for role in ROLES:
        user = None if role == "anonymous" else getattr(org.users, role)
        client = client_for(user)
        data = case.data(org) if case.data else {}
        response = getattr(client, case.method)(url, data)
        expected = case.outcome(role)
        if not matches(expected, response):
            failures.append(f"{role}: expected {expected}, got {response.status_code} "
                            f"{response.headers.get('Location', '')}")
    assert not failures, f"{url}\n" + "\n".join(failures)


# URL namespaces of our own apps (Wagtail's own admin pages are Wagtail's business).
OWN_NAMESPACES = {"accounts", "portal", "clinic", "township", "clinicpopulation", "userscope"}
OWN_PREFIXES = ("doctors", "programs", "subsidies", "cms", "notices", "drugs", "services", "settlement")
OWN_NAMES = {"data_import", "data_export"}


def _own_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            ns = pattern.namespace
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            names |= _own_url_names(pattern, full)
        elif pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def _is_own(name):
    namespace = name.split(":")[0] if ":" in name else ""
    return (name in OWN_NAMES or namespace in OWN_NAMESPACES
            or any(namespace.startswith(p) or namespace.endswith(p) for p in OWN_PREFIXES))


def test_every_url_of_ours_is_in_the_matrix():
    covered = {case.url_name for case in CASES}
    missing = sorted(n for n in _own_url_names() if _is_own(n) and n not in covered)
    assert not missing, "URLs missing from the permission matrix: " + ", ".join(missing)
