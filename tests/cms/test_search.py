"""Chinese search: the same results on SQLite and PostgreSQL (CI runs this file on both)."""

import pytest
from django.urls import reverse

from cms.search import normalise_text, query_terms, search_notices
from cms.selectors import visible_notices
from tests.cms.conftest import add_notice, paragraph

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(org):
    return {
        "subsidy": add_notice(org.county_a, "2026年村医补助发放办法", body=paragraph("<p>按季度预拨，年终结算。</p>")),
        "hypertension": add_notice(
            org.county_a,
            "慢病随访工作要求",
            body=paragraph("<p>高血压患者每季度面对面随访一次；糖尿病患者同样管理。</p>"),
        ),
        "training": add_notice(org.county_a, "乡村医生培训安排", body=paragraph("<p>培训地点：县卫健局三楼。</p>")),
        "table": add_notice(
            org.county_a,
            "补助标准表",
            body=[
                {
                    "type": "table",
                    "value": {"data": [["项目", "标准"], ["老年人体检", "25元"]], "first_row_is_table_header": True},
                }
            ],
        ),
        "draft": add_notice(org.county_a, "村医补助草稿", publish=False),
    }


def found(user, query):
    return {n.title for n in search_notices(visible_notices(user=user), query)}


@pytest.mark.parametrize(
    "query,expected",
    [
        # 乡村医生 contains 村医 as written: a search for the short form finds the long one too.
        ("村医", {"2026年村医补助发放办法", "乡村医生培训安排"}),
        ("补助", {"2026年村医补助发放办法", "补助标准表"}),
        ("高血压", {"慢病随访工作要求"}),
        ("高血压 糖尿病", {"慢病随访工作要求"}),
        ("高血压 村医", set()),
        ("乡村医生培训", {"乡村医生培训安排"}),
        ("老年人体检", {"补助标准表"}),
        ("ＳＴＡＮＤＡＲＤ 2026", set()),
        ("２０２６", {"2026年村医补助发放办法"}),
    ],
)
def test_chinese_queries(org, corpus, query, expected):
    assert found(None, query) == expected


def test_drafts_and_other_audiences_are_not_found(org, corpus, notices):
    assert "村医补助草稿" not in found(None, "草稿")
    assert "慢病管理培训通知" not in found(None, "培训")
    assert "慢病管理培训通知" in found(org.users.doctor, "培训")


def test_title_matches_rank_first(org, corpus):
    add_notice(org.county_a, "其他事项", body=paragraph("<p>其中也提到补助发放。</p>"))
    titles = [n.title for n in search_notices(visible_notices(user=None), "补助")]
    assert titles.index("补助标准表") < titles.index("其他事项")


def test_long_queries_are_segmented_into_words():
    assert query_terms("乡村医生补助标准") == ["乡村", "医生", "补助", "标准"]
    assert query_terms("村医，补助  高血压") == ["村医", "补助", "高血压"]
    assert query_terms("   ") == []
    assert normalise_text("ＡＢＣ　１２３") == "abc 123"


def test_search_page(client, corpus):
    html = client.get(reverse("notices:search"), {"q": "高血压"}).content.decode()
    assert "慢病随访工作要求" in html and "1 条" in html
    html = client.get(reverse("notices:search"), {"q": "不存在的词"}).content.decode()
    assert "没有找到" in html
    assert client.get(reverse("notices:search"), {"q": "x" * 5000}).status_code == 200
    assert client.get(reverse("notices:search"), {"q": "%_'\""}).status_code == 200


def test_lead_reads_no_chosen_documents(org, settings, tmp_path, django_assert_num_queries):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from cms.models import NoticePage

    settings.MEDIA_ROOT = str(tmp_path)
    document = Document.objects.create(title="实施细则", file=ContentFile(b"%PDF-1.4", name="rules.pdf"))
    page = add_notice(
        org.county_a,
        "带附件的通知",
        body=[*paragraph("<p>正文&amp;开头。</p>"), {"type": "document", "value": document.pk}],
    )
    page = NoticePage.objects.get(pk=page.pk)
    with django_assert_num_queries(0):
        assert page.lead == "正文&开头。"
