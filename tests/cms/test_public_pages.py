"""The public side: /notices/ leads to the notices, search marks the words found, the site has an icon, and an
empty training list tells a visitor why."""

import pytest
from django.urls import reverse

from cms.search import highlight

pytestmark = pytest.mark.django_db


def test_notices_address_leads_to_the_home_page_that_lists_them(client, notices):
    response = client.get("/notices/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "关于村医补助标准的通知" in client.get("/").content.decode()


def test_search_results_mark_the_words_found(client, notices):
    body = client.get(reverse("notices:search"), {"q": "村医 补助"}).content.decode()
    assert "关于<mark>村医</mark><mark>补助</mark>标准的通知" in body


def test_highlight_escapes_the_text_and_marks_longer_words_first():
    assert highlight("<b>高血压</b>随访", ["高血", "高血压"]) == "&lt;b&gt;<mark>高血压</mark>&lt;/b&gt;随访"
    assert highlight("Amoxicillin", ["amox"]) == "<mark>Amox</mark>icillin"
    assert highlight("a<b", []) == "a&lt;b"
    assert highlight("x", ["<script>"]) == "x"


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
    assert 'rel="icon"' in client.get("/").content.decode()


def test_training_notices_are_explained_to_the_public_and_listed_for_doctors(client, org, client_for, notices):
    public = client.get("/").content.decode()
    assert "培训通知只发给村医和卫生院工作人员，登录后可以看到。" in public
    assert "慢病管理培训通知" not in public
    doctor = client_for(org.users.doctor).get("/").content.decode()
    assert "慢病管理培训通知" in doctor and "登录后可以看到" not in doctor
