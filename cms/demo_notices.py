"""Demo notices: one of each category, a township-only notice, one awaiting moderation, one scheduled,
the settlement announcement of the approved quarter, a moderator login and some read receipts."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from clinics.models import Township, UserScope
from clinics.roles import Role
from clinics.services import create_user_with_role
from cms.models import Audience, Category, NoticePage, NoticeReceipt
from cms.services import ensure_county_notices, publish_announcement
from subsidies.models import SettlementRun
from subsidies.services import settlement


def _rich(*paragraphs: str) -> list[dict]:
    return [{"type": "paragraph", "value": "".join(f"<p>{p}</p>" for p in paragraphs)}]


def seed(ctx):
    User = get_user_model()
    county, year, today = ctx.county, ctx.year, timezone.localdate()
    moderator = create_user_with_role(
        username="moderator",
        password=ctx.password,
        role=Role.NOTICE_MODERATOR,
        county=county,
        full_name="宣传科审核" + ctx.rng.choice("王李张刘陈"),
    )
    ctx.logins.append(("宣传审核", "moderator", county.name))
    editor = User.objects.get(username="editor")
    index = ensure_county_notices(county=county)
    bureau = county.health_bureau_name or county.name

    def notice(title, *, category, audience=Audience.PUBLIC, days_ago=0, number="", body=None, townships=()):
        page = NoticePage(
            title=title,
            category=category,
            audience=audience,
            issuing_body=bureau,
            document_number=number,
            issued_on=today - timedelta(days=days_ago),
            body=body or [],
            owner=editor,
            live=False,
        )
        index.add_child(instance=page)
        if townships:
            page.townships.set(townships)
            page.save()
        return page

    def publish(page):
        page.save_revision(user=editor).publish(user=moderator)
        return page

    policy = publish(
        notice(
            f"关于做好{year}年度基本公共卫生服务村医补助工作的通知",
            category=Category.POLICY,
            days_ago=40,
            number=f"青卫发〔{year}〕8号",
            body=[
                *_rich(
                    "各乡镇卫生院：",
                    "为保障村医合理收入，现就本年度基本公共卫生服务项目村级补助有关事项通知如下。补助按“先考核、后拨付”的原则，"
                    "根据村卫生室实际提供并经卫生院核实的服务数量和考核得分计算。",
                    "高血压、糖尿病患者每季度至少面对面随访一次，随访记录须真实完整；65 岁以上老年人每年健康体检一次。",
                    "考核得分 60 分以下的村卫生室当季不拨付绩效补助。补助按季度预拨、年终结算，多退少补。",
                ),
                {
                    "type": "table",
                    "value": {
                        "data": [
                            ["服务项目", "单位", "补助标准（元）"],
                            ["高血压患者随访", "人次", "8.00"],
                            ["糖尿病患者随访", "人次", "8.00"],
                            ["老年人健康体检", "人", "25.00"],
                        ],
                        "first_row_is_table_header": True,
                        "first_col_is_header": False,
                        "table_caption": "主要服务项目补助标准",
                    },
                },
            ],
        )
    )
    training = publish(
        notice(
            f"关于举办{year}年第四季度村医高血压糖尿病规范化管理培训班的通知",
            category=Category.TRAINING,
            audience=Audience.DOCTORS,
            days_ago=12,
            number=f"青卫办〔{year}〕31号",
            body=_rich(
                "各村卫生室：",
                "定于下月 5 日在县卫生健康局三楼会议室举办慢病管理培训，培训合格计入村医年度继续教育学分。"
                "请各村医携带执业证书按时参加，不得缺席。",
            ),
        )
    )
    publish(
        notice(
            "冬春季流感预防宣传要点",
            category=Category.PUBLICITY,
            days_ago=5,
            body=_rich(
                "勤洗手、常通风、戴口罩。65 岁以上老年人和慢性病患者可到村卫生室咨询流感疫苗接种。",
                "出现发热、咳嗽等症状请及时就医。",
            ),
        )
    )
    first_townships = list(Township.objects.filter(county=county).order_by("code")[:2])
    publish(
        notice(
            "部分乡镇村卫生室基本药物专项检查安排",
            category=Category.TRAINING,
            audience=Audience.TOWNSHIPS,
            days_ago=3,
            townships=first_townships,
            body=_rich("下周起对以下乡镇的村卫生室基本药物零差率执行情况进行专项检查，请提前整理进销存台账。"),
        )
    )

    waiting = notice(
        "关于开展家庭医生签约服务宣传月活动的通知",
        category=Category.PUBLICITY,
        days_ago=0,
        body=_rich("宣传月期间各村卫生室要在宣传栏张贴签约服务海报，向村民讲解签约服务内容。"),
    )
    waiting.save_revision(user=editor)
    waiting.get_workflow().start(waiting, editor)

    scheduled = notice(
        f"{year + 1}年度村医执业注册集中办理时间安排",
        category=Category.POLICY,
        days_ago=0,
        body=_rich("下年度村医执业注册集中办理，请需要换证的村医提前准备材料。"),
    )
    scheduled.go_live_at = timezone.now() + timedelta(days=7)
    scheduled.save_revision(user=editor).publish(user=moderator)

    run = SettlementRun.objects.filter(county=county, status="approved").first()
    if run is not None:
        settlement.announce_run(user=User.objects.get(username="county"), run=run)
    else:
        publish_announcement(
            county=county,
            title=f"{year}年第一季度村医补助公示",
            intro="公示期 7 天。",
            table_headers=["村卫生室", "应拨（元）"],
            table_rows=[],
            user=moderator,
        )

    doctors = list(
        UserScope.objects.filter(role=Role.VILLAGE_DOCTOR, clinic__township__county=county)
        .values_list("user_id", "clinic_id")
        .order_by("user_id")
    )
    receipts = []
    for page, share in ((policy, 0.7), (training, 0.4)):
        for user_id, clinic_id in doctors:
            if ctx.rng.random() < share:
                receipts.append(NoticeReceipt(notice=page, user_id=user_id, clinic_id=clinic_id))
    NoticeReceipt.objects.bulk_create(receipts)
    ctx.stdout.write(f"通知公告：已发布 5 条（含公示），待审核 1 条，定时发布 1 条，已读回执 {len(receipts)} 份。")
