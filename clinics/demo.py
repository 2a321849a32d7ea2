"""Deterministic demo data: one county with townships, clinics and a login for every role.

Other apps add their own demo data in modules named ``<app>/demo_<topic>.py`` with a function
``seed(ctx: DemoContext)``; ``seed_demo`` calls them in INSTALLED_APPS order (then by module name)
after the organisation tree exists, inside one transaction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from clinics.models import City, Clinic, ClinicPopulation, County, Province, Township
from clinics.roles import Role
from clinics.services import create_user_with_role

TOWNSHIP_NAMES = [
    "城关镇",
    "石桥镇",
    "柳河乡",
    "白马镇",
    "青龙乡",
    "杨庄镇",
    "龙泉镇",
    "三河乡",
    "红旗镇",
    "大王庄乡",
    "桃园镇",
    "东湖乡",
    "双井镇",
    "孙集乡",
    "黄土岗镇",
    "梨树乡",
    "马坊镇",
    "高庙乡",
    "新安镇",
]
TOWNSHIP_NAMES += [
    "王店镇",
    "李寨乡",
    "南岗镇",
    "北关乡",
    "西河镇",
    "张湾乡",
    "金山镇",
    "凤凰乡",
    "河口镇",
    "清水乡",
    "中和镇",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
VILLAGE_SUFFIXES = ["庄村", "家村", "营村", "寨村", "集村", "湾村", "店村", "楼村", "岗村", "洼村"]
GIVEN = [
    "建国",
    "秀英",
    "桂兰",
    "志强",
    "丽华",
    "德明",
    "春梅",
    "国庆",
    "红霞",
    "海燕",
    "永刚",
    "淑珍",
    "文华",
    "玉兰",
    "明亮",
    "金凤",
    "振华",
    "晓东",
    "立新",
    "素芬",
]


@dataclass
class DemoContext:
    county: County
    year: int
    rng: random.Random
    stdout: object
    password: str
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role label, username, place)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def seed_organisation(*, townships: int, clinics_per_township: int, year: int, seed: int, stdout) -> DemoContext:
    rng = random.Random(seed)
    password = settings.DEMO_PASSWORD
    User = get_user_model()
    # The county sits in a city of a province, so that the levels above the county have something to compare.
    province = Province.objects.create(code="DEMO-P", name="示范省")
    city = City.objects.create(province=province, code="DEMO-C", name="示范市")
    county = County.objects.create(code="DEMO", name="青山县", health_bureau_name="青山县卫生健康局", city=city)
    ctx = DemoContext(county=county, year=year, rng=rng, stdout=stdout, password=password)
    hashed = make_password(password)  # hashing once keeps seeding a large county fast

    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.com", password)
    ctx.logins.append(("系统管理员（超级用户）", "admin", "全部"))
    create_user_with_role(
        username="county",
        password=password,
        role=Role.COUNTY_ADMIN,
        county=county,
        full_name="卫健局" + person_name(rng),
    )
    ctx.logins.append(("卫健局管理员", "county", county.name))
    create_user_with_role(
        username="editor",
        password=password,
        role=Role.NOTICE_EDITOR,
        county=county,
        full_name="宣传科" + person_name(rng),
    )
    ctx.logins.append(("宣传编辑", "editor", county.name))
    create_user_with_role(
        username="city", password=password, role=Role.CITY_OFFICIAL, city=city, full_name="市卫健委" + person_name(rng)
    )
    ctx.logins.append(("市卫健委（只读）", "city", city.name))
    create_user_with_role(
        username="province",
        password=password,
        role=Role.PROVINCE_OFFICIAL,
        province=province,
        full_name="省卫健委" + person_name(rng),
    )
    ctx.logins.append(("省卫健委（只读）", "province", province.name))

    names = (
        TOWNSHIP_NAMES[:townships]
        if townships <= len(TOWNSHIP_NAMES)
        else [
            TOWNSHIP_NAMES[i % len(TOWNSHIP_NAMES)].replace("镇", f"{i // len(TOWNSHIP_NAMES) + 1}镇")
            for i in range(townships)
        ]
    )
    clinic_number = 0
    for t_index, t_name in enumerate(names, start=1):
        short = t_name.rstrip("镇乡")
        township = Township.objects.create(
            county=county,
            code=f"T{t_index:02d}",
            name=t_name,
            health_center_name=f"{short}{'镇' if t_name.endswith('镇') else '乡'}卫生院",
            remote=(t_index % 7 == 0),
        )
        create_user_with_role(
            username=f"staff{t_index:02d}",
            password_hash=hashed,
            role=Role.TOWNSHIP_STAFF,
            township=township,
            full_name=person_name(rng),
        )
        if t_index <= 2:
            ctx.logins.append(("卫生院工作人员", f"staff{t_index:02d}", t_name))
        used_villages = set()
        for c_index in range(1, clinics_per_township + 1):
            clinic_number += 1
            while True:
                village = rng.choice(SURNAMES) + rng.choice(VILLAGE_SUFFIXES)
                if village not in used_villages:
                    used_villages.add(village)
                    break
            clinic = Clinic.objects.create(
                township=township,
                code=f"T{t_index:02d}C{c_index:02d}",
                name=f"{short}{village}卫生室",
                village=village,
                address=f"{county.name}{t_name}{village}村委会旁",
                opened_on=date(2000 + rng.randint(0, 18), rng.randint(1, 12), rng.randint(1, 28)),
                ncms_designated=rng.random() < 0.8,
                zero_markup=rng.random() < 0.95,
                remote=township.remote,
            )
            resident = rng.randint(600, 3200)
            ClinicPopulation.objects.create(
                clinic=clinic,
                year=year,
                resident=resident,
                registered=int(resident * rng.uniform(1.0, 1.25)),
                insured=int(resident * rng.uniform(0.9, 0.99)),
                aged_65_plus=int(resident * rng.uniform(0.11, 0.19)),
                children_0_6=int(resident * rng.uniform(0.05, 0.09)),
            )
            create_user_with_role(
                username=f"doc{clinic_number:03d}",
                password_hash=hashed,
                role=Role.VILLAGE_DOCTOR,
                clinic=clinic,
                full_name=person_name(rng),
            )
            if clinic_number <= 2 or (t_index == 2 and c_index == 1):
                ctx.logins.append(("村医", f"doc{clinic_number:03d}", clinic.name))
    return ctx
