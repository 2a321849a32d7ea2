"""Demo data, settings and pages a new user meets first."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from clinics.models import Clinic, ClinicPopulation, Township, UserScope

ROOT = Path(__file__).resolve().parents[2]


def _seed_and_snapshot():
    """Seed inside a savepoint that is rolled back, returning what was created."""
    with transaction.atomic():
        call_command("seed_demo", "--townships", "3", "--clinics-per-township", "4", "--year", "2026", "--seed", "7")
        snapshot = (
            list(Clinic.objects.order_by("code").values_list("code", "name", "village")),
            list(ClinicPopulation.objects.order_by("clinic__code").values_list("resident", flat=True)),
            Township.objects.count(),
            set(UserScope.objects.values_list("role", flat=True)),
        )
        transaction.set_rollback(True)
    return snapshot


def test_seed_demo_is_deterministic_and_has_every_role(db, capsys):
    first = _seed_and_snapshot()
    out = capsys.readouterr().out
    assert "county" in out and "staff01" in out and "doc001" in out and "admin" in out
    clinics, _populations, townships, roles = first
    assert len(clinics) == 12 and townships == 3
    assert roles >= {"county_admin", "township_staff", "village_doctor", "notice_editor"}
    assert not Clinic.objects.exists()  # rolled back
    assert _seed_and_snapshot() == first  # same arguments, same data


def test_seed_demo_if_empty_is_idempotent(db, capsys):
    call_command("seed_demo", "--townships", "1", "--clinics-per-township", "1")
    call_command("seed_demo", "--if-empty")
    assert Clinic.objects.count() == 1
    assert "跳过" in capsys.readouterr().out


def clean_env():
    # The browser tests' conftest allows sync ORM calls under Playwright's loop; production must not.
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_production_settings_pass_check_deploy():
    env = {
        **clean_env(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 64 + "y-7-z",
        "ALLOWED_HOSTS": "clinic.example.cn",
        "RESIDENT_DATA_KEY": settings.RESIDENT_DATA_KEY,  # the tests' fixed key
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_missing_secret_key():
    env = {**clean_env(), "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": ""}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_a_missing_resident_data_key():
    env = {
        **clean_env(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 64 + "y-7-z",
        "RESIDENT_DATA_KEY": "",
    }
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "RESIDENT_DATA_KEY" in result.stderr


def test_language_defaults_to_chinese_with_english_available(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "登录" in page and 'lang="zh-hans"' in page
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in english


def test_public_home_page_renders(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "卫生健康政策公告" in response.content.decode()


def test_after_login_sends_each_role_home(org, client_for):
    assert client_for(org.users.doctor).get("/accounts/welcome/")["Location"] == "/portal/"
    assert client_for(org.users.township).get("/accounts/welcome/")["Location"] == "/admin/"
    assert client_for(org.users.norole).get("/accounts/welcome/")["Location"] == "/"


def test_english_translation_is_compiled_and_used(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in" in page and "Village doctors and township and county staff all log in here." in page
