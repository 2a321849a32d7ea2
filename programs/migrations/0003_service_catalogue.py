"""The service catalogue of the national basic public-health service specification (3rd edition)."""

from django.db import migrations

ITEMS = [
    # code, name, category, unit, population basis, max per person per year
    ("PH01", "建立居民健康档案", "records", "份", "resident", 1),
    ("PH02", "健康教育讲座", "education", "次", "", None),
    ("PH03", "健康教育咨询活动", "education", "次", "", None),
    ("PH04", "预防接种", "vaccination", "剂次", "", None),
    ("PH05", "新生儿家庭访视", "children", "人次", "children_0_6", None),
    ("PH06", "0-6岁儿童健康检查", "children", "人次", "children_0_6", 8),
    ("PH07", "孕产妇早孕建册", "maternal", "人", "", None),
    ("PH08", "孕产妇产后访视", "maternal", "人次", "", None),
    ("PH09", "65岁以上老年人健康体检", "elderly", "人", "aged_65_plus", 1),
    ("PH10", "高血压患者随访", "hypertension", "人次", "", None),
    ("PH11", "2型糖尿病患者随访", "diabetes", "人次", "", None),
    ("PH12", "严重精神障碍患者随访", "mental", "人次", "", None),
    ("PH13", "肺结核患者随访", "tuberculosis", "人次", "", None),
    ("PH14", "老年人中医药健康管理", "tcm", "人", "aged_65_plus", 1),
    ("PH15", "0-36个月儿童中医药健康管理", "tcm", "人次", "children_0_6", 6),
    ("PH16", "传染病报告", "infectious", "例", "", None),
    ("PH17", "卫生监督协管报告", "supervision", "次", "", None),
]


def seed(apps, schema_editor):
    ServiceItem = apps.get_model("programs", "ServiceItem")
    for order, (code, name, category, unit, basis, max_per_person) in enumerate(ITEMS, start=1):
        ServiceItem.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "unit": unit,
                "population_basis": basis,
                "max_per_person_per_year": max_per_person,
                "sort_order": order * 10,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("programs", "ServiceItem").objects.filter(code__in=[i[0] for i in ITEMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0002_services")]
    operations = [migrations.RunPython(seed, unseed)]
