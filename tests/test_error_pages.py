"""A failure never shows a traceback: the user gets a Chinese page with a reference number, the log the traceback."""

import logging
import re

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@override_settings(ROOT_URLCONF="tests.error_urls", DEBUG=False)
def test_a_failing_request_shows_a_chinese_page_with_a_reference_and_logs_the_traceback(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="config.errors"):
        response = client.get("/test-fails/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "抱歉，系统出了点问题" in body and "Traceback" not in body and "database is locked" not in body
    reference = re.search(r'data-testid="error-reference">([0-9A-Z-]+)<', body).group(1)
    assert response["X-Error-Reference"] == reference
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info and "database is locked" in str(logged[0].exc_info[1])


def test_make_run_settings_show_no_debug_page(monkeypatch):
    """`make run` (config.settings.dev) must not show Django's debug page with its traceback to users."""
    import importlib

    import config.settings.dev as dev

    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    assert importlib.reload(dev).DEBUG is False


def test_unknown_page_is_a_chinese_404_without_the_url_list():
    response = Client().get("/no-such-page-anywhere/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "找不到这个页面" in body and "urlpatterns" not in body.lower()
