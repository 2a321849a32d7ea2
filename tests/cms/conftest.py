from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cms.models import Audience, Category, NoticeIndexPage, NoticePage
from tests.shared_data import shared


def paragraph(html):
    return [{"type": "paragraph", "value": html}]


def add_notice(
    county,
    title,
    *,
    audience=Audience.PUBLIC,
    category=Category.POLICY,
    body=None,
    townships=(),
    publish=True,
    user=None,
    expire_at=None,
    go_live_at=None,
    issued_on=None,
):
    index = NoticeIndexPage.objects.get(county=county)
    page = NoticePage(
        title=title,
        audience=audience,
        category=category,
        issuing_body=f"{county.name}卫生健康局",
        body=body if body is not None else paragraph(f"<p>{title}的正文。</p>"),
        live=False,
        expire_at=expire_at,
        go_live_at=go_live_at,
        issued_on=issued_on or timezone.localdate(),
    )
    index.add_child(instance=page)
    if townships:
        page.townships.set(townships)
    revision = page.save_revision(user=user)
    if publish:
        revision.publish(user=user)
    return NoticePage.objects.get(pk=page.pk)


@shared("notices", needs=("org",))
def build_notices(org):
    """County A: a public policy, a doctors-only training notice, a notice for township A1 only, a
    draft, an expired notice and a scheduled one; county B: a public and a doctors-only notice."""
    past = timezone.now() - timedelta(days=1)
    future = timezone.now() + timedelta(days=3)
    return SimpleNamespace(
        public=add_notice(
            org.county_a,
            "关于村医补助标准的通知",
            body=paragraph("<p>各乡镇卫生院：高血压患者随访补助每人次 8 元。</p>"),
        ),
        doctors=add_notice(org.county_a, "慢病管理培训通知", audience=Audience.DOCTORS, category=Category.TRAINING),
        a1_only=add_notice(org.county_a, "城关镇药品检查安排", audience=Audience.TOWNSHIPS, townships=[org.ta1]),
        draft=add_notice(org.county_a, "尚未发布的村医补助草稿", publish=False),
        expired=add_notice(org.county_a, "已过期的村医补助通知", expire_at=past),
        scheduled=add_notice(org.county_a, "定时发布的村医补助通知", go_live_at=future),
        far_public=add_notice(org.county_b, "绿水县村医补助公示", category=Category.ANNOUNCEMENT),
        far_doctors=add_notice(org.county_b, "绿水县村医培训", audience=Audience.DOCTORS),
    )


@pytest.fixture
def notices(_shared_data, request, org):
    """The notices of ``build_notices`` (built once and shared, see tests/conftest.py)."""
    return _shared_data.value_for(request, "notices", org)
