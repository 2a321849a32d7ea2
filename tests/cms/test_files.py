"""Notice documents and images follow their notice's visibility (cms.selectors.document_visible_to /
image_visible_to), as every role; MEDIA_ROOT has no public URL."""

import importlib
import io
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import clear_url_caches, reverse
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection, CollectionViewRestriction

from cms.models import Audience, NoticeAttachment
from tests.cms.conftest import add_notice, paragraph
from tests.files import FILE_ROLES, download_failures, file_users

pytestmark = pytest.mark.django_db

EVERYONE = set(FILE_ROLES)
COUNTY_A_STAFF = {"county", "editor", "moderator", "superuser"}
COUNTY_B_STAFF = {"other_county", "far_editor", "far_moderator", "superuser"}
# visible_notices: doctors and township staff of county A read its doctors-only notices.
COUNTY_A_DOCTORS = COUNTY_A_STAFF | {"doctor", "other_doctor", "township", "other_township"}
TOWNSHIP_A1 = COUNTY_A_STAFF | {"doctor", "other_doctor", "township"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def document(title, content=None, *, name=None, collection=None, user=None):
    content = content if content is not None else f"%PDF-1.4 {title}".encode()
    kwargs = {"collection": collection} if collection else {}
    return Document.objects.create(
        title=title, file=ContentFile(content, name=name or f"{title}.pdf"), uploaded_by_user=user, **kwargs
    )


def attach(notice, doc):
    NoticeAttachment.objects.create(page=notice, document=doc)
    return doc


@pytest.fixture
def attached(org, notices, media):
    """One attachment for each notice of the ``notices`` fixture."""
    return {
        key: attach(getattr(notices, key), document(f"附件-{key}"))
        for key in ["public", "doctors", "a1_only", "draft", "expired", "scheduled", "far_public", "far_doctors"]
    }


EXPECTED = {
    "public": EVERYONE,
    "far_public": EVERYONE,
    "doctors": COUNTY_A_DOCTORS,
    "a1_only": TOWNSHIP_A1,
    # unpublished, expired or not yet live: only the county's notice staff (who edit it) and a superuser
    "draft": COUNTY_A_STAFF,
    "expired": COUNTY_A_STAFF,
    "scheduled": COUNTY_A_STAFF,
    "far_doctors": COUNTY_B_STAFF | {"far_doctor"},
}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_attachment_follows_its_notice(org, client_for, attached, key):
    doc = attached[key]
    failures = download_failures(file_users(org), client_for, doc.url, doc.file.open("rb").read(), EXPECTED[key])
    assert not failures, f"{key} ({doc.url}):\n" + "\n".join(failures)


def test_documents_in_the_body_follow_the_notice(org, client_for, media):
    block = document("正文下载-村医")
    link = document("正文下载-城关镇")
    add_notice(
        org.county_a,
        "正文里有下载的村医通知",
        audience=Audience.DOCTORS,
        body=[*paragraph("<p>见下。</p>"), {"type": "document", "value": block.pk}],
    )
    # (Document links inside rich text are dropped when saved by SafeRichTextBlock's whitelist, so a
    # body reaches documents through document blocks.)
    add_notice(
        org.county_a,
        "正文里有下载的乡镇通知",
        audience=Audience.TOWNSHIPS,
        townships=[org.ta1],
        body=[{"type": "document", "value": link.pk}],
    )
    users = file_users(org)
    for doc, allowed in ((block, COUNTY_A_DOCTORS), (link, TOWNSHIP_A1)):
        failures = download_failures(users, client_for, doc.url, doc.file.open("rb").read(), allowed)
        assert not failures, doc.title + "\n" + "\n".join(failures)


def test_a_draft_revision_does_not_publish_its_new_attachment(org, client_for, notices, media):
    """A live notice's pending draft adds an attachment: until that draft is published, the document
    belongs to no published content (the rendered page does not show it either)."""
    doc = document("待发布的附件")
    page = notices.public
    page.attachments.add(NoticeAttachment(document=doc))  # in memory, like the editor's form
    page.save_revision(user=org.users.editor)
    assert not NoticeAttachment.objects.filter(document=doc).exists()
    for user in (None, org.users.doctor, org.users.far_doctor):
        assert client_for(user).get(doc.url).status_code == 404
    assert client_for(org.users.superuser).get(doc.url).status_code == 200


def test_unattached_documents_belong_to_the_uploader_or_the_collection_county(org, client_for, media):
    users = file_users(org)
    loose = document("刚上传的文件", user=org.users.editor)
    failures = download_failures(users, client_for, loose.url, loose.file.open("rb").read(), {"editor", "superuser"})
    assert not failures, "\n".join(failures)
    in_collection = document("县里的文件", collection=org.county_a.media_collection.collection)
    failures = download_failures(
        users, client_for, in_collection.url, in_collection.file.open("rb").read(), COUNTY_A_STAFF
    )
    assert not failures, "\n".join(failures)


def test_collection_county_from_its_group_permissions(org, client_for, media):
    """A document in a sub-folder of a county's collection belongs to that county: its notice staff (whose groups
    hold their permissions on the county's collection, cms.services.ensure_county_notices) may download it."""
    users = file_users(org)  # creates county B's editor and moderator, and syncs their groups first
    folder = org.county_b.media_collection.collection.add_child(name="2026")
    doc = document("绿水县的文件", collection=folder)
    failures = download_failures(users, client_for, doc.url, doc.file.open("rb").read(), COUNTY_B_STAFF)
    assert not failures, "\n".join(failures)


def test_a_document_of_a_draft_and_of_a_public_notice_is_public(org, client_for, notices, media):
    doc = attach(notices.draft, document("两处都用的附件"))
    attach(notices.far_public, doc)
    assert client_for(None).get(doc.url).status_code == 200
    NoticeAttachment.objects.filter(page=notices.far_public).delete()
    assert client_for(None).get(doc.url).status_code == 404


def test_download_headers_chinese_name_and_nosniff(client, notices, media):
    doc = attach(notices.public, document("补助标准", b"%PDF-1.4 chinese", name="补助标准.pdf"))
    response = client.get(doc.url)
    assert response.status_code == 200
    assert f"filename*=UTF-8''{quote('补助标准.pdf')}" in response["Content-Disposition"]  # RFC 5987
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"]


def test_x_accel_redirect_hands_the_transfer_to_nginx(client, notices, media, settings):
    settings.PROTECTED_FILES_ACCEL_PREFIX = "/protected/"
    doc = attach(notices.public, document("交给nginx", b"%PDF-1.4 accel", name="accel.pdf"))
    response = client.get(doc.url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected/{doc.file.name}"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_wrong_name_or_missing_file_is_404(client, notices, media):
    doc = attach(notices.public, document("公开附件"))
    assert client.get(f"/documents/{doc.pk}/other.pdf").status_code == 404
    assert client.get(f"/documents/{doc.pk + 1000}/{doc.filename}").status_code == 404
    doc.file.storage.delete(doc.file.name)
    assert client.get(doc.url).status_code == 404


def test_collection_password_cannot_unlock_an_invisible_document(org, client, notices, media):
    """Wagtail's other documents URL (authenticate_with_password) only marks a collection password as
    passed: it never serves a file and never makes an unscoped document downloadable."""
    private = Collection.get_first_root_node().add_child(name="密码保护")
    restriction = CollectionViewRestriction.objects.create(
        collection=private, restriction_type="password", password="secret"
    )
    hidden = attach(notices.draft, document("草稿附件", collection=private))
    public = attach(notices.public, document("公开但有密码", collection=private))
    assert client.get(hidden.url).status_code == 404  # not even the password form
    assert b"secret" not in client.get(public.url).content and client.get(public.url).status_code == 200
    url = reverse("wagtaildocs_authenticate_with_password", args=[restriction.pk])
    client.post(url, {"password": "secret", "return_url": hidden.url})
    assert client.get(hidden.url).status_code == 404
    response = client.get(public.url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("wagtaildocs_authenticate_with_password", args=[restriction.pk + 99])).status_code == 404


def test_notice_page_links_to_the_serve_view(client, notices, media):
    doc = attach(notices.public, document("页面上的附件"))
    html = client.get(notices.public.url).content.decode()
    assert f'href="/documents/{doc.pk}/' in html and "/media/" not in html


# --- images ----------------------------------------------------------------------------------------


def png() -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def image_in(org, title, **kwargs):
    image = Image.objects.create(title=title, file=ContentFile(png(), name=f"{title}.png"))
    page = add_notice(
        org.county_a, title, body=[{"type": "image", "value": {"image": image.pk, "caption": ""}}], **kwargs
    )
    return image, page


@pytest.mark.parametrize(
    "kind,kwargs,allowed",
    [
        ("public", {}, EVERYONE),
        ("doctors", {"audience": Audience.DOCTORS}, COUNTY_A_DOCTORS),
        ("draft", {"publish": False}, COUNTY_A_STAFF),
    ],
)
def test_notice_images_follow_their_notice(org, client_for, media, kind, kwargs, allowed):
    image, _page = image_in(org, f"图片-{kind}", **kwargs)
    rendition = image.get_rendition("max-800x800")
    assert rendition.url.startswith("/notices/images/")
    failures = download_failures(file_users(org), client_for, rendition.url, rendition.file.open("rb").read(), allowed)
    assert not failures, "\n".join(failures)


def test_page_shows_images_through_the_view_and_the_poster_still_embeds_them(org, client, media):
    from cms.pdf import local_image_path, poster_pdf

    image, page = image_in(org, "宣传图片")
    html = client.get(page.url).content.decode()
    assert 'src="/notices/images/' in html and "/media/" not in html
    rendition = image.get_rendition("max-800x800")
    assert local_image_path(f"http://testserver{rendition.url}").read_bytes() == rendition.file.open("rb").read()
    for bad in (
        "http://testserver/notices/images/../../etc/passwd",
        "http://example.com/x.png",
        f"http://testserver/media/{rendition.file.name}",
    ):
        with pytest.raises(ValueError):
            local_image_path(bad)
    assert b"/Subtype /Image" in poster_pdf(page)


def test_unknown_rendition_is_404(client, media):
    assert client.get(reverse("notices:image", args=["images/nothing.png"])).status_code == 404


# --- MEDIA_ROOT has no URL ------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_media_urls_are_404_in_every_setting(client, media, debug):
    from django.views.static import serve as static_serve

    import config.urls

    (media / "imports").mkdir()
    (media / "imports" / "job.xlsx").write_bytes(b"secret rows")
    (media / "statements").mkdir()
    (media / "statements" / "batch-1.zip").write_bytes(b"PK secret")
    with override_settings(DEBUG=debug):
        importlib.reload(config.urls)
        clear_url_caches()
        try:
            assert all(getattr(p, "callback", None) is not static_serve for p in config.urls.urlpatterns)
            for path in ("/media/imports/job.xlsx", "/media/statements/batch-1.zip", "/media/", "/media/x"):
                response = client.get(path, follow=True)  # /media/x → /media/x/ (APPEND_SLASH) → 404
                assert response.status_code == 404, path
                assert b"secret" not in response.content
        finally:
            importlib.reload(config.urls)
            clear_url_caches()
