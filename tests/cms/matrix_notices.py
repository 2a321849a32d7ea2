from cms.models import Audience, NoticePage
from tests.permissions import LOGIN, NOT_FOUND, OK, Case, doctor_portal, staff_admin

EVERYONE = dict.fromkeys(
    [
        "anonymous",
        "norole",
        "doctor",
        "other_doctor",
        "far_doctor",
        "township",
        "other_township",
        "county",
        "other_county",
        "editor",
        "superuser",
    ],
    OK,
)


def notice(org, title, **kwargs):
    from tests.cms.conftest import add_notice

    existing = NoticePage.objects.filter(title=title).first()
    return existing or add_notice(org.county_a, title, **kwargs)


def public(org):
    return [notice(org, "矩阵公开通知").pk]


def doctors_only(org):
    return [notice(org, "矩阵村医通知", audience=Audience.DOCTORS).pk]


def a1_only(org):
    return [notice(org, "矩阵城关镇通知", audience=Audience.TOWNSHIPS, townships=[org.ta1]).pk]


def draft(org):
    return [notice(org, "矩阵草稿", publish=False).pk]


NO_NOTICE_ROLES = {"norole": NOT_FOUND, "anonymous": NOT_FOUND}
RECEIPTS = staff_admin()

CASES = [
    Case("notices:index", dict.fromkeys(EVERYONE, 302), id="notices-index-redirects-home"),
    Case("notices:search", EVERYONE, query="q=村医"),
    Case("notices:feed", EVERYONE),
    Case("notices:poster", EVERYONE, args=public, id="poster-public"),
    Case(
        "notices:poster",
        {**EVERYONE, "anonymous": NOT_FOUND, "norole": NOT_FOUND, "far_doctor": NOT_FOUND, "other_county": NOT_FOUND},
        args=doctors_only,
        id="poster-doctors-only",
    ),
    Case(
        "notices:poster", {**dict.fromkeys(EVERYONE, NOT_FOUND), "superuser": NOT_FOUND}, args=draft, id="poster-draft"
    ),
    Case("portal_notices:index", doctor_portal()),
    Case("portal_notices:detail", doctor_portal(far_doctor=NOT_FOUND), args=doctors_only, id="portal-detail"),
    Case(
        "portal_notices:detail",
        doctor_portal(far_doctor=NOT_FOUND, other_doctor=OK),
        args=a1_only,
        id="portal-detail-township",
    ),
    Case(
        "portal_notices:detail",
        doctor_portal(doctor=NOT_FOUND, other_doctor=NOT_FOUND, far_doctor=NOT_FOUND),
        args=draft,
        id="portal-detail-draft",
    ),
    Case(
        "portal_notices:read",
        doctor_portal(doctor=302, other_doctor=302, far_doctor=NOT_FOUND),
        args=doctors_only,
        method="post",
        id="portal-read",
    ),
    Case("receipts:list", RECEIPTS),
    Case("receipts:detail", staff_admin(other_county=NOT_FOUND), args=public, id="receipt-detail"),
    Case(
        "receipts:detail",
        staff_admin(other_county=NOT_FOUND, other_township=NOT_FOUND),
        args=a1_only,
        id="receipt-detail-township",
    ),
    Case(
        "receipts:detail",
        staff_admin(
            other_county=NOT_FOUND,
            other_township=NOT_FOUND,
            township=NOT_FOUND,
            county=NOT_FOUND,
            editor=NOT_FOUND,
            superuser=NOT_FOUND,
        ),
        args=draft,
        id="receipt-detail-draft",
    ),
    Case("receipts:unread_export", staff_admin(other_county=NOT_FOUND), args=public, id="unread-export"),
    Case(
        "receipts:unread_export",
        staff_admin(other_county=NOT_FOUND, other_township=NOT_FOUND),
        args=a1_only,
        id="unread-export-township",
    ),
    Case(
        "notices:image",
        {**dict.fromkeys(EVERYONE, NOT_FOUND), "county": OK, "editor": OK, "superuser": OK},
        args=lambda org: [image_of(org, draft=True)],
        id="image-of-draft",
    ),
    Case("notices:image", EVERYONE, args=lambda org: [image_of(org, draft=False)], id="image-of-public"),
]
_ = LOGIN


def image_of(org, *, draft: bool) -> str:
    """The rendition name of an image in the body of a draft / public notice of county A."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image as PILImage
    from wagtail.images.models import Image

    from tests.cms.conftest import add_notice

    title = "矩阵草稿图片" if draft else "矩阵公开图片"
    image = Image.objects.filter(title=title).first()
    if image is None:
        buffer = io.BytesIO()
        PILImage.new("RGB", (8, 8)).save(buffer, "PNG")
        image = Image.objects.create(title=title, file=ContentFile(buffer.getvalue(), name="m.png"))
        add_notice(
            org.county_a,
            title,
            publish=not draft,
            body=[{"type": "image", "value": {"image": image.pk, "caption": ""}}],
        )
    return image.get_rendition("max-800x800").file.name
