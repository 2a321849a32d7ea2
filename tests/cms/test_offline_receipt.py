"""我已阅读 pressed offline: the queued read receipt is replayed once through cms.services.mark_read."""

import json
import uuid

import pytest

from cms.models import NoticeReceipt

pytestmark = pytest.mark.django_db


def _send(client, user, notice_id, entry_id):
    body = {"id": entry_id, "kind": "receipt", "user": user.pk, "params": {"notice": str(notice_id)}, "fields": {}}
    return client.post("/portal/sync/", json.dumps(body), content_type="application/json").json()


def test_receipt_made_offline_is_saved_once(org, notices, client_for):
    client = client_for(org.users.doctor)
    entry_id = str(uuid.uuid4())
    answer = _send(client, org.users.doctor, notices.doctors.pk, entry_id)
    assert answer["status"] == "saved" and "慢病管理培训通知" in answer["message"]
    assert _send(client, org.users.doctor, notices.doctors.pk, entry_id) == answer
    assert NoticeReceipt.objects.filter(user=org.users.doctor, notice=notices.doctors).count() == 1


def test_receipt_of_another_countys_notice_is_refused(org, notices, client_for):
    answer = _send(client_for(org.users.doctor), org.users.doctor, notices.far_doctors.pk, str(uuid.uuid4()))
    assert answer["status"] == "refused" and "不是发给您的" in answer["message"]
    assert not NoticeReceipt.objects.filter(user=org.users.doctor).exists()


def test_detail_page_marks_its_form_for_offline(org, notices, client_for):
    html = client_for(org.users.doctor).get(f"/portal/notices/{notices.doctors.pk}/").content.decode()
    assert f'data-offline="receipt" data-param-notice="{notices.doctors.pk}"' in html
