"""The offline portal's server side: the sync endpoint replays each queued entry once, through the same forms and
services as the online pages, and answers per entry; the manifest and the worker; the shell stays light."""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from clinics import services
from clinics.models import OfflineEntry
from clinics.portal.offline import SHELL_STATIC, _read_static
from core.offline import ENTRY_KINDS, EntryKind
from programs.models import DrugSale, ServiceItem, ServiceReport
from programs.portal.reports import default_month
from programs.services import drugs as drug_services
from programs.services import periods as period_services
from tests.factories import build_org
from tests.programs.conftest import register_doctors

SYNC = "/portal/sync/"


def _drug(org, quantity=20):
    drug = drug_services.save_drug(
        code="YP001", generic_name="阿莫西林胶囊", dosage_form="胶囊剂", specification="0.25g", unit="盒"
    )
    drug_services.record_purchase(
        clinic=org.ca1a,
        drug=drug,
        on=timezone.localdate() - timedelta(days=5),
        batch_no="B1",
        expiry=timezone.localdate() + timedelta(days=300),
        quantity=quantity,
        unit_price="6.80",
    )
    return drug


def _report_entry(user, *, submit=True, count="9", entry_id=None):
    year, month = default_month(timezone.localdate())
    item = ServiceItem.objects.get(code="PH10")
    fields = {f"item_{item.pk}": count, ("submit" if submit else "save"): ""}
    return {
        "id": str(entry_id or uuid.uuid4()),
        "kind": "report",
        "user": user.pk,
        "params": {"year": str(year), "month": str(month)},
        "fields": fields,
    }


def _sale_entry(user, drug, quantity, entry_id=None):
    return {
        "id": str(entry_id or uuid.uuid4()),
        "kind": "sale",
        "user": user.pk,
        "params": {},
        "fields": {
            "drug": str(drug.pk),
            "date": timezone.localdate().isoformat(),
            "quantity": str(quantity),
            "unit_price": "6.80",
        },
    }


def _send(client, entry):
    response = client.post(SYNC, json.dumps(entry), content_type="application/json")
    assert response["Cache-Control"] == "no-store"
    return response.status_code, response.json()


@pytest.fixture
def doctor(org, client_for):
    register_doctors(org)
    return client_for(org.users.doctor)


@pytest.mark.django_db
class TestReplay:
    def test_same_id_twice_is_one_row_and_the_same_answer(self, org, doctor):
        entry = _report_entry(org.users.doctor)
        first = _send(doctor, entry)
        second = _send(doctor, entry)
        assert first == second
        assert first[1]["status"] == "saved" and "已提交" in first[1]["message"]
        assert ServiceReport.objects.filter(clinic=org.ca1a).count() == 1
        assert OfflineEntry.objects.filter(entry_id=entry["id"]).count() == 1
        # A second entry (a new id) is a new replay: the report is submitted now, so it is refused.
        status, answer = _send(doctor, _report_entry(org.users.doctor, submit=False, count="3"))
        assert (status, answer["status"]) == (200, "refused")
        assert "已提交，不能再修改" in answer["message"]
        report = ServiceReport.objects.get(clinic=org.ca1a)
        assert report.lines.get(item__code="PH10").declared_count == 9

    def test_a_refusal_is_the_first_answer_too(self, org, doctor):
        drug = _drug(org, quantity=5)
        entry = _sale_entry(org.users.doctor, drug, 8)
        _status, answer = _send(doctor, entry)
        assert answer["status"] == "refused" and "库存不足" in answer["message"]
        assert DrugSale.objects.count() == 0
        # More stock arrives; the same entry sent again keeps its first answer (the doctor fixes it as a new one).
        drug_services.record_purchase(
            clinic=org.ca1a,
            drug=drug,
            on=timezone.localdate(),
            batch_no="B2",
            expiry=timezone.localdate() + timedelta(days=300),
            quantity=10,
            unit_price="6.80",
        )
        assert _send(doctor, entry)[1] == answer
        assert DrugSale.objects.count() == 0
        assert _send(doctor, _sale_entry(org.users.doctor, drug, 8))[1]["status"] == "saved"
        assert DrugSale.objects.get().quantity == 8

    def test_closed_month_is_refused_with_the_reason(self, org, doctor):
        year, month = default_month(timezone.localdate())
        period_services.close_period(township_id=org.ta1.pk, year=year, month=month, user=org.users.township)
        _status, answer = _send(doctor, _report_entry(org.users.doctor))
        assert answer["status"] == "refused" and "填报已截止" in answer["message"]
        assert not ServiceReport.objects.filter(clinic=org.ca1a, lines__isnull=False).exists()

    def test_bad_fields_are_refused_by_the_pages_own_form(self, org, doctor):
        _status, answer = _send(doctor, _report_entry(org.users.doctor, count="１２"))
        assert answer["status"] == "refused"
        assert answer["message"].startswith("高血压患者随访：") and "半角数字" in answer["message"]
        drug = _drug(org)
        entry = _sale_entry(org.users.doctor, drug, 2)
        entry["fields"]["unit_price"] = "1e3"
        assert "单价必须是数字" in _send(doctor, entry)[1]["message"]

    def test_an_entry_made_by_another_user_is_not_replayed(self, org, client_for):
        register_doctors(org)
        other = client_for(org.users.other_doctor)
        entry = _report_entry(org.users.doctor)  # made on the phone by doc_a1a, sent in doc_a1b's session
        status, answer = _send(other, entry)
        assert (status, answer["status"]) == (200, "other_user")
        assert not OfflineEntry.objects.exists() and not ServiceReport.objects.exists()
        # Its own doctor sends it later: saved, for doc_a1a's clinic.
        assert _send(client_for(org.users.doctor), entry)[1]["status"] == "saved"
        assert ServiceReport.objects.get().clinic_id == org.ca1a.pk

    def test_an_id_taken_by_another_user_gets_nothing_of_theirs(self, org, doctor, client_for):
        entry = _report_entry(org.users.doctor)
        _send(doctor, entry)
        mine = _report_entry(org.users.other_doctor, entry_id=entry["id"])
        _status, answer = _send(client_for(org.users.other_doctor), mine)
        assert answer["status"] == "other_user" and "已提交" not in answer["message"]

    def test_a_read_receipt_of_a_notice_not_addressed_is_refused(self, org, doctor):
        entry = {
            "id": str(uuid.uuid4()),
            "kind": "receipt",
            "user": org.users.doctor.pk,
            "params": {"notice": "999999"},
        }
        _status, answer = _send(doctor, entry)
        assert answer == {"id": entry["id"], "status": "refused", "message": "这条通知不是发给您的，或已撤下。"}

    @pytest.mark.parametrize(
        "body",
        [
            "not json",
            "[]",
            json.dumps({"id": "x", "kind": "report", "user": 1}),
            json.dumps({"id": "927f4db1-128d-4b49-bd48-df38de234f31", "kind": "unknown", "user": 1}),
            json.dumps(
                {"id": "43db6891-bc55-4817-aa41-23a118110bb5", "kind": "sale", "user": "１", "fields": {"a": 1}}
            ),
        ],
    )
    def test_a_malformed_entry_is_refused_and_not_recorded(self, doctor, body):
        response = doctor.post(SYNC, body, content_type="application/json")
        assert response.status_code == 400 and response.json()["status"] == "refused"
        assert not OfflineEntry.objects.exists()

    def test_csrf_protection_stays_on(self, org):
        register_doctors(org)
        client = Client(enforce_csrf_checks=True)
        client.force_login(org.users.doctor)
        entry = json.dumps(_report_entry(org.users.doctor))
        assert client.post(SYNC, entry, content_type="application/json").status_code == 403
        token = client.get(SYNC).json()["csrf"]
        response = client.post(SYNC, entry, content_type="application/json", headers={"X-CSRFToken": token})
        assert response.json()["status"] == "saved"

    def test_state_names_the_user_and_the_pages_to_keep(self, org, doctor):
        drug = _drug(org)
        state = doctor.get(SYNC).json()
        year, month = default_month(timezone.localdate())
        assert state["user"] == org.users.doctor.pk and state["csrf"]
        for page in ("/portal/", "/portal/queue/", f"/portal/services/{year}/{month}/", "/portal/services/progress/"):
            assert page in state["pages"]
        assert f"/portal/drugs/sell/?drug={drug.pk}" in state["pages"] and "/portal/notices/" in state["pages"]

    def test_portal_pages_name_their_user(self, org, doctor):
        assert doctor.get("/portal/")["X-Portal-User"] == str(org.users.doctor.pk)


@pytest.mark.django_db
def test_manifest_and_worker_are_served_with_their_types_and_cache_headers(client):
    manifest = client.get("/portal/manifest.webmanifest")
    assert manifest["Content-Type"].startswith("application/manifest+json")
    data = json.loads(manifest.content)
    assert (data["start_url"], data["scope"], data["display"]) == ("/portal/", "/portal/", "standalone")
    assert data["name"] == "村医工作台" and {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    worker = client.get("/portal/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Cache-Control"] == "no-cache" and worker["Service-Worker-Allowed"] == "/portal/"
    config = json.loads(worker.content.decode().split("\n", 1)[0].removeprefix("self.PORTAL = ").rstrip(";"))
    assert len(config["version"]) == 12 and "/static/js/portal.js" in config["shell"]


def test_the_worker_version_follows_the_shell_files(monkeypatch):
    from clinics.portal import offline

    before = offline._version()
    original = offline._read_static
    monkeypatch.setattr(offline, "_read_static", lambda path: original(path) + (b"/* new */" if "css" in path else b""))
    assert offline._version() != before


@pytest.mark.django_db
def test_the_offline_shell_is_under_150_kb_compressed(org, client_for):
    """HTML of the kept pages a doctor opens first, the CSS, the JS, the worker and the manifest, gzipped."""
    register_doctors(org)
    client = client_for(org.users.doctor)
    year, month = default_month(timezone.localdate())
    pages = ["/portal/", "/portal/queue/", f"/portal/services/{year}/{month}/", "/portal/drugs/", "/portal/notices/"]
    parts = [client.get(path).content for path in [*pages, "/portal/sw.js", "/portal/manifest.webmanifest"]]
    parts += [_read_static(path) for path in SHELL_STATIC if not path.endswith(".png")]
    total = sum(len(gzip.compress(part)) for part in parts)
    assert total < 150 * 1024, total  # about 26 KB in December 2026


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_entry_replay_it_once(monkeypatch):
    """Two requests with the same id at the same moment (a retry while the first is still running): on
    PostgreSQL the second insert waits on the unique index, then reads the first answer."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time (IMMEDIATE), so the requests cannot overlap")
    kind = ENTRY_KINDS["sale"]

    def slow_replay(**kwargs):
        time.sleep(0.5)  # the first request holds its new row, uncommitted, while the second one arrives
        return kind.replay(**kwargs)

    monkeypatch.setitem(ENTRY_KINDS, "sale", EntryKind(name="sale", label=kind.label, replay=slow_replay))
    org = build_org()
    register_doctors(org)
    drug = _drug(org, quantity=5)
    entry = _sale_entry(org.users.doctor, drug, 3)
    barrier = threading.Barrier(2)
    answers: list[dict] = []
    errors: list[BaseException] = []

    def replay():
        try:
            barrier.wait()
            answers.append(
                services.replay_offline_entry(
                    user=org.users.doctor,
                    entry_id=uuid.UUID(entry["id"]),
                    kind="sale",
                    made_by=org.users.doctor.pk,
                    params={},
                    fields=entry["fields"],
                )
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=replay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(answers) == 2 and answers[0] == answers[1] and answers[0]["status"] == "saved"
    assert DrugSale.objects.count() == 1 and OfflineEntry.objects.count() == 1
