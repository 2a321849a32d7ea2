"""Demo data: ~50 national essential medicines, purchases through the township and zero-markup sales
for every demo clinic, with a couple of deliberate overpriced sales for the township to find."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinics.models import Clinic
from programs.services import drugs as services

# code, generic name, dosage form, specification, unit, category, purchase price (元)
DRUGS = [
    ("YP001", "阿莫西林胶囊", "胶囊剂", "0.25g×24粒", "盒", "anti_infective", "6.80"),
    ("YP002", "头孢氨苄胶囊", "胶囊剂", "0.25g×24粒", "盒", "anti_infective", "7.50"),
    ("YP003", "头孢呋辛酯片", "片剂", "0.25g×12片", "盒", "anti_infective", "12.60"),
    ("YP004", "阿奇霉素片", "片剂", "0.25g×6片", "盒", "anti_infective", "9.80"),
    ("YP005", "左氧氟沙星片", "片剂", "0.5g×4片", "盒", "anti_infective", "8.20"),
    ("YP006", "甲硝唑片", "片剂", "0.2g×100片", "瓶", "anti_infective", "4.50"),
    ("YP007", "复方磺胺甲噁唑片", "片剂", "0.48g×100片", "瓶", "anti_infective", "6.00"),
    ("YP008", "硝苯地平缓释片", "片剂", "20mg×30片", "盒", "cardiovascular", "9.60"),
    ("YP009", "苯磺酸氨氯地平片", "片剂", "5mg×28片", "盒", "cardiovascular", "11.20"),
    ("YP010", "卡托普利片", "片剂", "25mg×100片", "瓶", "cardiovascular", "3.80"),
    ("YP011", "依那普利片", "片剂", "10mg×16片", "盒", "cardiovascular", "5.40"),
    ("YP012", "美托洛尔片", "片剂", "25mg×20片", "盒", "cardiovascular", "4.20"),
    ("YP013", "氢氯噻嗪片", "片剂", "25mg×100片", "瓶", "cardiovascular", "2.90"),
    ("YP014", "阿司匹林肠溶片", "片剂", "100mg×30片", "盒", "cardiovascular", "5.20"),
    ("YP015", "辛伐他汀片", "片剂", "20mg×10片", "盒", "cardiovascular", "6.50"),
    ("YP016", "硝酸甘油片", "片剂", "0.5mg×100片", "瓶", "cardiovascular", "8.00"),
    ("YP017", "二甲双胍片", "片剂", "0.25g×48片", "盒", "endocrine", "4.80"),
    ("YP018", "格列本脲片", "片剂", "2.5mg×100片", "瓶", "endocrine", "3.50"),
    ("YP019", "格列齐特缓释片", "片剂", "30mg×30片", "盒", "endocrine", "13.40"),
    ("YP020", "阿卡波糖片", "片剂", "50mg×30片", "盒", "endocrine", "18.60"),
    ("YP021", "甲巯咪唑片", "片剂", "5mg×50片", "瓶", "endocrine", "7.70"),
    ("YP022", "布洛芬缓释胶囊", "胶囊剂", "0.3g×20粒", "盒", "analgesic", "6.30"),
    ("YP023", "对乙酰氨基酚片", "片剂", "0.5g×12片", "盒", "analgesic", "2.80"),
    ("YP024", "双氯芬酸钠缓释片", "片剂", "75mg×10片", "盒", "analgesic", "5.60"),
    ("YP025", "吲哚美辛栓", "栓剂", "50mg×6粒", "盒", "analgesic", "4.10"),
    ("YP026", "氨茶碱片", "片剂", "0.1g×100片", "瓶", "respiratory", "3.20"),
    ("YP027", "沙丁胺醇气雾剂", "气雾剂", "100μg×200揿", "支", "respiratory", "16.50"),
    ("YP028", "复方甘草片", "片剂", "100片", "瓶", "respiratory", "4.60"),
    ("YP029", "溴己新片", "片剂", "8mg×100片", "瓶", "respiratory", "3.90"),
    ("YP030", "奥美拉唑肠溶胶囊", "胶囊剂", "20mg×14粒", "盒", "digestive", "7.90"),
    ("YP031", "雷尼替丁胶囊", "胶囊剂", "0.15g×30粒", "盒", "digestive", "4.40"),
    ("YP032", "多潘立酮片", "片剂", "10mg×30片", "盒", "digestive", "9.10"),
    ("YP033", "蒙脱石散", "散剂", "3g×10袋", "盒", "digestive", "8.70"),
    ("YP034", "铝碳酸镁咀嚼片", "片剂", "0.5g×20片", "盒", "digestive", "10.30"),
    ("YP035", "口服补液盐散（Ⅲ）", "散剂", "5.125g×6袋", "盒", "fluid", "3.60"),
    ("YP036", "氯化钠注射液", "注射剂", "0.9% 250ml", "瓶", "fluid", "2.50"),
    ("YP037", "葡萄糖注射液", "注射剂", "5% 250ml", "瓶", "fluid", "2.60"),
    ("YP038", "氯苯那敏片", "片剂", "4mg×100片", "瓶", "allergy", "2.40"),
    ("YP039", "氯雷他定片", "片剂", "10mg×6片", "盒", "allergy", "5.80"),
    ("YP040", "地西泮片", "片剂", "2.5mg×100片", "瓶", "nervous", "3.30"),
    ("YP041", "维生素B1片", "片剂", "10mg×100片", "瓶", "vitamin", "2.20"),
    ("YP042", "维生素C片", "片剂", "0.1g×100片", "瓶", "vitamin", "2.70"),
    ("YP043", "叶酸片", "片剂", "0.4mg×31片", "盒", "vitamin", "5.00"),
    ("YP044", "硫酸亚铁片", "片剂", "0.3g×100片", "瓶", "vitamin", "3.10"),
    ("YP045", "红霉素软膏", "软膏剂", "1% 10g", "支", "external", "2.30"),
    ("YP046", "莫匹罗星软膏", "软膏剂", "2% 5g", "支", "external", "9.40"),
    ("YP047", "复方丹参片", "片剂", "60片", "瓶", "tcm", "6.60"),
    ("YP048", "板蓝根颗粒", "颗粒剂", "10g×20袋", "包", "tcm", "8.40"),
    ("YP049", "藿香正气水", "酊剂", "10ml×10支", "盒", "tcm", "7.20"),
    ("YP050", "感冒清热颗粒", "颗粒剂", "12g×10袋", "包", "tcm", "9.00"),
]


def seed(ctx) -> None:
    rng = ctx.rng
    drugs = [
        services.save_drug(code=c, generic_name=n, dosage_form=f, specification=s, unit=u, category=cat)
        for c, n, f, s, u, cat, _price in DRUGS
    ]
    prices = {d.pk: Decimal(row[6]) for d, row in zip(drugs, DRUGS, strict=True)}
    today = timezone.localdate()
    start = today - timedelta(days=75)
    clinics = list(Clinic.objects.filter(township__county=ctx.county).order_by("code"))
    overpriced_left = 2
    for clinic in clinics:
        stocked = rng.sample(drugs, 18)
        for drug in stocked:
            expiry = today + timedelta(days=rng.choice([40, 75, 200, 400, 700]))
            services.record_purchase(
                clinic=clinic,
                drug=drug,
                on=start,
                batch_no=f"{start:%y%m}{rng.randint(100, 999)}",
                expiry=expiry,
                quantity=rng.randint(20, 60),
                unit_price=prices[drug.pk],
            )
        for day in range(0, 70, 3):
            on = start + timedelta(days=day + 1)
            drug = rng.choice(stocked)
            price = prices[drug.pk]
            if overpriced_left and clinic.township.code == "T01" and day == 30:
                price = price + Decimal("1.50")
                overpriced_left -= 1
            try:
                services.record_sale(
                    clinic=clinic,
                    drug=drug,
                    on=on,
                    quantity=rng.randint(1, 3),
                    unit_price=price,
                    source="daily" if day % 2 else "single",
                )
            except ValidationError:  # stock ran out for this drug; a real clinic would not sell it
                continue
    ctx.stdout.write(f"基本药物：{len(drugs)} 种药品，{len(clinics)} 个卫生室的采购与销售（含 2 笔加价销售示例）")
