"""The quality bands (质量系数分档) with grade names: one rule on the model field, so the policy form refuses what a
run could not read (and names the band); a band's grade is what the doctor reads, and a band edge pays that band."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from subsidies.calculation import ClinicInputs, ItemFigures, PolicyInputs, compute, quality_coefficient
from subsidies.explaining import explain
from subsidies.models import SubsidyPolicy
from subsidies.models.settlement import validate_quality_bands
from tests.subsidies.test_settlement_approvals import policy_post

GRADES = [[90, 1.0, "优秀"], [80, 0.9, "合格"], [60, "0.8", "基本合格"]]


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ({"90": 1}, "要写成列表"),
        ([[90]], "第 1 档要写成"),
        ([[90, 1.0], "优秀"], "第 2 档要写成"),
        ([[90, 1.0, "优秀", "x"]], "第 1 档要写成"),
        ([["九十", 1.0]], "必须是数字"),
        ([[True, 1.0]], "必须是数字"),
        ([[101, 1.0]], "最低分必须在 0 到 100 之间"),
        ([[-1, 1.0]], "最低分必须在 0 到 100 之间"),
        ([[90, 1.01]], "拨付比例必须在 0 到 1 之间"),
        ([[90, "NaN"]], "最低分必须在 0 到 100 之间|拨付比例必须在 0 到 1 之间"),
        ([[90, 1.0, ""]], "等级名称"),
        ([[90, 1.0, "很长很长很长的等级名称啊"]], "等级名称"),
        ([[90, 1.0], [90, 0.9]], "最低分相同"),
        ([[90, 0.8], [60, 0.9]], "90 分及以上的拨付比例（0.8）小于 60 分及以上的（0.9）"),
    ],
)
def test_bad_bands_are_named(bands, message):
    with translation.override("zh-hans"), pytest.raises(ValidationError, match=message):
        validate_quality_bands(bands)


def test_good_bands_pass():
    for bands in ([], None, [[60, 0.8]], GRADES, [[0, 0.5, "不合格"], [60, 1, "合格"]]):
        validate_quality_bands(bands)


def test_a_band_edge_pays_that_band_and_one_hundredth_below_the_next_down():
    policy = PolicyInputs(
        method="unit_price",
        per_capita_rate=D("99"),
        village_share=D("0.4"),
        quota_cap=D("1.2"),
        quality_threshold=D("60"),
        prices={"PH09": (D("10.00"), D("1"))},
        quality_bands=tuple(tuple(b) for b in GRADES),
    )
    assert quality_coefficient(D("80"), policy) == D("0.9")
    assert quality_coefficient(D("79.99"), policy) == D("0.8")
    assert quality_coefficient(D("90"), policy) == D("1.0")
    clinic = ClinicInputs(
        clinic_id=1,
        name="卫生室",
        population=100,
        score=D("80"),
        items={"PH09": ItemFigures(declared=100, verified=100, quota=100)},
    )
    line = compute(policy, [clinic])[0][0]
    assert line.public_health == D("900.00")  # 100 × 10.00 × 0.9
    with translation.override("zh-hans"):
        e = explain(x=line.explanation, line=line)
    assert e.quality == [
        "考核得分 80 分，达到合格线 60 分；按政策分档，80 分及以上为“合格”，按 0.9 的比例拨付（质量系数 0.9）。"
    ]


def test_the_policy_form_refuses_bad_bands_on_its_field(org, policy, client_for):
    url = reverse("subsidypolicy:edit", args=[policy.pk])
    response = client_for(org.users.county).post(url, policy_post(policy, quality_bands="[[90, 0.8], [60, 0.9]]"))
    assert response.status_code == 200
    assert "分数高的档不能拨得更少" in response.content.decode()
    policy.refresh_from_db()
    assert policy.quality_bands == []
    response = client_for(org.users.county).post(
        url, policy_post(policy, quality_bands='[[90, 1.0, "优秀"], [60, 0.8, "合格"]]')
    )
    assert response.status_code == 302
    assert SubsidyPolicy.objects.get(pk=policy.pk).quality_bands == [[90, 1.0, "优秀"], [60, 0.8, "合格"]]


def test_a_pass_line_above_100_is_refused_on_the_form_and_in_the_database(org, policy, client_for):
    url = reverse("subsidypolicy:edit", args=[policy.pk])
    response = client_for(org.users.county).post(url, policy_post(policy, quality_threshold="120"))
    assert response.status_code == 200 and "不能大于 100" in response.content.decode()
    policy.refresh_from_db()
    assert policy.quality_threshold == D("60")
    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyPolicy.objects.filter(pk=policy.pk).update(quality_threshold=D("100.01"))
