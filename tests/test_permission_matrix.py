"""Every role × every URL of our apps gets exactly the expected status (see tests/permissions.py)."""

import importlib
import pkgutil

import pytest
from django.urls import get_resolver, reverse

import tests
from tests.chinese import raw_or_english_in
from tests.permissions import ROLES, matches


def _all_cases():
    cases = []
    for package in pkgutil.iter_modules(tests.__path__):
        if not package.ispkg:
            continue
        path = [f"{tests.__path__[0]}/{package.name}"]
        for module in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
            if module.name.startswith("matrix"):
                cases.extend(importlib.import_module(f"tests.{package.name}.{module.name}").CASES)
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
    read = False
    for role in ROLES:
        user = None if role == "anonymous" else getattr(org.users, role)
        client = client_for(user)
        data = case.data(org) if case.data else {}
        response = getattr(client, case.method)(url, data)
        expected = case.outcome(role)
        if not matches(expected, response):
            failures.append(
                f"{role}: expected {expected}, got {response.status_code} {response.headers.get('Location', '')}"
            )
        elif not read and response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            # Each page once, as the first role that may open it sees it: no True / False / None, no English.
            read = True
            usernames = frozenset(u.get_username() for u in vars(org.users).values())
            if found := raw_or_english_in(response.content.decode(), names=usernames):
                failures.append(f"{role} sees English or raw values: {found}")
    assert not failures, f"{url}\n" + "\n".join(failures)


OUR_APPS = {"clinics", "doctors", "programs", "subsidies", "cms"}


def _pair_namespaces():
    """The namespaces of our apps' admin/urls.py and portal/urls.py: each holds (patterns, namespace) pairs."""
    import importlib

    found = set()
    for app in OUR_APPS:
        for module_name in (f"{app}.admin.urls", f"{app}.portal.urls"):
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            for value in vars(module).values():
                if (
                    isinstance(value, tuple)
                    and len(value) == 2
                    and isinstance(value[0], list)
                    and isinstance(value[1], str)
                ):
                    found.add(value[1])
    return found


def _own_namespaces():
    """Namespaces of our URL modules and of every Wagtail viewset (or snippet) of our models."""
    from wagtail.admin.viewsets import viewsets

    _ = get_resolver().url_patterns  # loading the admin URLs registers the viewsets
    namespaces = {"notices"} | _pair_namespaces()
    for viewset in viewsets.viewsets:
        model = getattr(viewset, "model", None)
        if isinstance(model, str):  # "app_label.ModelName"
            from django.apps import apps

            model = apps.get_model(model)
        if model is not None and model._meta.app_label in OUR_APPS:
            namespaces.add(viewset.url_namespace)
    return namespaces


OWN_PREFIXES = (
    "portal_",
    "wagtailsnippets_clinics",
    "wagtailsnippets_doctors",
    "wagtailsnippets_programs",
    "wagtailsnippets_subsidies",
    "wagtailsnippets_cms",
)
# Names registered directly with register_admin_urls by our apps: keep every custom admin URL name
# starting with one of these prefixes (or add it here).
OWN_NAME_PREFIXES = (
    "data_",
    "doctors_",
    "programs_",
    "subsidies_",
    "services_",
    "drugs_",
    "assessments_",
    "settlement_",
    "notices_",
    "dashboard_",
)


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


def _is_own(name, namespaces):
    namespace, _sep, plain = name.rpartition(":")
    first = namespace.split(":")[0] if namespace else ""
    if not namespace:
        return plain.startswith(OWN_NAME_PREFIXES)
    if first == "wagtailadmin" or (first not in namespaces and namespace not in namespaces):
        return namespace.startswith(OWN_PREFIXES) or (first == "" and plain.startswith(OWN_NAME_PREFIXES))
    return True


def test_every_url_of_ours_is_in_the_matrix():
    namespaces = _own_namespaces()
    covered = {case.url_name for case in CASES}
    own = {n for n in _own_url_names() if _is_own(n, namespaces)}
    assert {"clinic:edit", "portal:home", "data:import", "reports:verify", "portal_reports:report"} <= own
    missing = sorted(n for n in own if n not in covered)
    assert not missing, "URLs missing from the permission matrix: " + ", ".join(missing)
