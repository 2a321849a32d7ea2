"""Wagtail's admin speaks Chinese to a zh-hans user: no English words on the pages each role opens."""

import pytest

from tests.chinese import english_in


def admin_urls(notices):
    page = notices.public
    index = page.get_parent()
    return [
        f"/admin/pages/add/cms/noticepage/{index.pk}/",
        f"/admin/pages/{page.pk}/delete/",
        f"/admin/pages/{page.pk}/unpublish/",
        f"/admin/pages/{page.pk}/copy/",
        f"/admin/pages/{notices.draft.pk}/edit/",
        "/admin/documents/multiple/add/",
        "/admin/images/multiple/add/",
        "/admin/reports/workflow/",
        "/admin/reports/workflow_tasks/",
        "/admin/",
        "/admin/pages/",
        f"/admin/pages/{page.get_parent().pk}/",
        f"/admin/pages/{page.pk}/edit/",
        f"/admin/pages/{page.pk}/history/",
        f"/admin/pages/{page.pk}/usage/",
        f"/admin/pages/{page.get_parent().pk}/add_subpage/",
        "/admin/pages/search/?q=通知",
        "/admin/documents/",
        "/admin/images/",
        "/admin/reports/locked/",
        "/admin/reports/aging-pages/",
        "/admin/reports/site-history/",
        "/admin/workflows/tasks/index/",
        "/admin/account/",
    ]


@pytest.mark.parametrize("role", ["county", "editor", "moderator"])
def test_wagtail_admin_pages_have_no_english(org, notices, client_for, role):
    user = getattr(org.users, role)
    client = client_for(user)
    problems = {}
    for url in admin_urls(notices):
        response = client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        if response.status_code == 200:
            found = english_in(response.content.decode(), names=(user.get_username(),))
            if found:
                problems[url] = found
    assert not problems, problems


def test_a_new_notice_is_issued_by_the_county_health_bureau_unless_changed(org, notices, client_for):
    index = notices.public.get_parent()
    response = client_for(org.users.editor).get(f"/admin/pages/add/cms/noticepage/{index.pk}/")
    bureau = org.county_a.health_bureau_name or org.county_a.name
    assert response.status_code == 200
    assert f'name="issuing_body" value="{bureau}"' in response.content.decode().replace("\n", " ")
    edit = client_for(org.users.editor).get(f"/admin/pages/{notices.public.pk}/edit/").content.decode()
    assert f'value="{notices.public.issuing_body}"' in edit  # an existing notice keeps its own
