"""The outbox (发件箱) and the doctor's messages (提醒消息) × every role (see tests/permissions.py)."""

from doctors.models import OutboxMessage, PortalMessage
from tests.permissions import DENIED, LOGIN, Case, doctor_portal, staff_admin

STAFF = staff_admin(editor=DENIED)
POSTED = staff_admin(
    township=302, other_township=302, county=302, other_county=302, superuser=302, editor=DENIED, norole=LOGIN
)


def failed_a1a(org):
    """A failed SMS of clinic A1a: only A1's staff and county A may retry it (others get the refusal message)."""
    row = OutboxMessage.objects.create(
        clinic=org.ca1a,
        topic="report:2026-03",
        channel=OutboxMessage.Channel.SMS,
        recipient_name="张医生",
        address="13812345678",
        subject="请上报2026年3月月报",
        text="矩阵短信",
        status=OutboxMessage.Status.FAILED,
        attempts=1,
        last_error="SmsError: 测试",
    )
    return {"message": str(row.pk)}


def message_of_doctor(org):
    message = PortalMessage.objects.create(user=org.users.doctor, clinic=org.ca1a, title="请上报月报", text="矩阵消息")
    return {"message": str(message.pk)}


CASES = [
    Case("outbox:list", STAFF),
    Case("outbox:list", STAFF, query="status=failed&channel=sms", id="outbox-filtered"),
    Case("outbox:list", STAFF, query="status=junk&township=987654", id="outbox-bad-query"),
    Case("outbox:list", POSTED, method="post", data=failed_a1a, id="outbox-retry"),
    Case("outbox:list", POSTED, method="post", data=lambda org: {"message": "987654"}, id="outbox-retry-guessed"),
    Case("portal_messages:inbox", doctor_portal()),
    Case(
        "portal_messages:inbox",
        doctor_portal(doctor=302, other_doctor=302, far_doctor=302),
        method="post",
        data=message_of_doctor,
        id="portal-message-read",
    ),
]
