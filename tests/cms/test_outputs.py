"""Feed, poster PDF, announcements for other apps, and attachment upload limits."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from wagtail.documents.models import Document

from cms.models import Category, NoticePage
from cms.services import publish_announcement

pytestmark = pytest.mark.django_db


def test_atom_feed_lists_public_notices_only(client, notices):
    response = client.get(reverse("notices:feed"))
    body = response.content.decode()
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "关于村医补助标准的通知" in body and "绿水县村医补助公示" in body
    assert "慢病管理培训通知" not in body and "草稿" not in body and "已过期" not in body


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_poster_pdf_has_chinese_text_in_a_cjk_font(client, notices):
    response = client.get(reverse("notices:poster", args=[notices.public.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "poster.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "关于村医补助标准的通知" in text and "高血压患者随访补助" in text
    assert "WenQuanYi" in fonts or "Noto" in fonts


def test_poster_of_invisible_notice_is_404(client, org, client_for, notices):
    assert client.get(reverse("notices:poster", args=[notices.doctors.pk])).status_code == 404
    assert client_for(org.users.far_doctor).get(reverse("notices:poster", args=[notices.doctors.pk])).status_code == 404
    assert client_for(org.users.doctor).get(reverse("notices:poster", args=[notices.doctors.pk])).status_code == 200


def test_publish_announcement_makes_a_public_table_notice(org, client):
    page = publish_announcement(
        county=org.county_a,
        title="第一季度补助公示",
        intro="公示期 7 天<script>",
        table_headers=["村卫生室", "应拨"],
        table_rows=[["张庄村卫生室", "1234.50"]],
        user=org.users.county,
    )
    assert page.live and page.category == Category.ANNOUNCEMENT and page.county_id == org.county_a.pk
    html = client.get(page.url).content.decode()
    assert "张庄村卫生室" in html and "1234.50" in html and "<script>" not in html.split("notice-body")[1]
    # Each value carries its column's name, so that a phone shows one card per clinic ("应拨 1234.50").
    assert 'class="notice-table stacks"' in html and '<td data-label="应拨">1234.50</td>' in html
    again = publish_announcement(
        county=org.county_a,
        title="第一季度补助公示",
        intro="更正",
        table_headers=["a"],
        table_rows=[],
        user=org.users.county,
    )
    assert again.slug != page.slug and NoticePage.objects.filter(title="第一季度补助公示", live=True).count() == 2


@pytest.mark.parametrize(
    "name,size,ok",
    [
        ("通知.pdf", 1000, True),
        ("表格.xlsx", 1000, True),
        ("病毒.exe", 1000, False),
        ("page.html", 1000, False),
        ("大文件.pdf", 3000, False),
    ],
)
def test_attachment_types_and_size(org, client_for, name, size, ok):
    with (
        override_settings(NOTICE_ATTACHMENT_MAX_SIZE=2000),
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media),
    ):
        response = client_for(org.users.editor).post(
            reverse("wagtaildocs:add"),
            {"title": name, "file": SimpleUploadedFile(name, b"x" * size), "collection": "1"},
        )
        assert Document.objects.filter(title=name).exists() is ok, response.content.decode()[:200]
        if size > 2000:
            assert "附件不能超过" in response.content.decode()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_poster_carries_a_qr_code_of_the_notice_address(client, notices, monkeypatch):
    from urllib.parse import unquote

    from django.utils.encoding import iri_to_uri

    from cms import pdf

    rendered = {}
    real_render = pdf.render_to_string

    def keep(template, context):
        rendered.update(context)
        return real_render(template, context)

    monkeypatch.setattr(pdf, "render_to_string", keep)  # to read the page the PDF is made from
    response = client.get(reverse("notices:poster", args=[notices.public.pk]))
    address = unquote("http://testserver" + notices.public.url)
    assert rendered["site_url"] == address
    assert rendered["qr_svg"].startswith("<svg") and rendered["qr_svg"] == pdf.qr_svg(iri_to_uri(address))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "poster.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "手机扫码看全文" in text
