"""Reference data that data migrations create; transactional tests flush it, so they restore it here."""

import importlib

from django.apps import apps


def ensure_service_catalogue() -> None:
    importlib.import_module("programs.migrations.0003_service_catalogue").seed(apps, None)
