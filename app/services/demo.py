"""Demo data: a made-up, realistic year at 白石街道综治工作中心 (make run, benchmarks).

Accounts here have well-known passwords: they belong in demo databases only, which are
flagged ``is_demo`` so the log-in screen can list them. A database that was initialised as a
real center is refused (``NotADemoDatabase``), so demo accounts never land in one.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import (
    Category,
    Channel,
    EventKind,
    LimitKind,
    Matter,
    MatterEvent,
    MatterPerson,
    MatterStatus,
    NumberCounter,
    Person,
    Role,
    Unit,
    User,
    Village,
)

from . import audit, setup
from .auth import create_user
from .calendar import WorkCalendar
from .context import Actor
from .errors import ServiceError
from .numbering import format_number
from .settings import load_settings, save_settings
from .validation import id_check_digit

DEMO_ACCOUNTS: list[tuple[str, str, Role, str]] = [
    ("demo-reception", "Jiedai@2026", Role.RECEPTIONIST, "林晓燕"),
    ("demo-mediator", "Tiaojie@2026", Role.MEDIATOR, "陈国平"),
    ("demo-counsellor", "Nuanxin@2026", Role.COUNSELLOR, "周静"),
    ("demo-director", "Zhuren@2026", Role.DIRECTOR, "郑建华"),
    ("demo-admin", "Guanli@2026", Role.ADMIN, "系统管理员"),
]

DEMO_CENTER = "白石街道综治工作中心"
# Demo villages: plausible for a coastal street of 乐清, not an official list.
DEMO_VILLAGES = [
    "白石村",
    "白石社区",
    "中雁村",
    "山马村",
    "东山村",
    "西山村",
    "石坦村",
    "下湾村",
    "北岙村",
    "南岙村",
    "新联村",
    "玉屏社区",
    "龙泉村",
    "洪家村",
    "塘下村",
    "金港社区",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美霞平刚桂兰志红斌建国玉梅海燕文辉鹏飞晓东雪琴建华立新春梅小红永强德明金凤丹丹俊杰佳怡子涵宇轩雨涵浩然欣怡梓萱"  # noqa: E501
RARE_GIVEN = ["𠮷", "䶮", "堃", "喆", "昇", "赟", "淼", "犇", "𪚥", "燚"]

CATEGORY_WEIGHTS = {
    "咨询": 26,
    "求助": 14,
    "投诉": 16,
    "矛盾纠纷": 20,
    "家事纠纷": 7,
    "心理服务": 3,
    "信访事项": 6,
    "安全隐患": 5,
    "其他": 3,
}
CHANNEL_WEIGHTS = {
    Channel.VISIT: 48,
    Channel.CALL: 24,
    Channel.GRID: 12,
    Channel.PLATFORM: 9,
    Channel.LETTER: 4,
    Channel.SUPERIOR: 3,
}
SUMMARIES = {
    "咨询": [
        "咨询城乡居民养老保险补缴政策及所需材料。",
        "咨询{v}宅基地审批流程和需要准备的材料。",
        "咨询外来务工人员子女入学积分办理事宜。",
        "咨询残疾人两项补贴的申请条件。",
        "咨询医保异地就医备案办理方式。",
        "咨询劳动合同到期不续签能否获得经济补偿。",
    ],
    "求助": [
        "独居老人家中漏水，无力维修，请求帮助联系维修。",
        "因病致贫，申请临时救助。",
        "{v}路灯损坏多日，夜间出行不便，请求修复。",
        "孩子走失后已找回，请求协助办理相关证明。",
        "请求协助联系法律援助律师。",
    ],
    "投诉": [
        "反映{v}附近工地夜间施工噪音扰民，要求限制施工时间。",
        "反映小区物业不作为，电梯长期故障无人维修。",
        "反映{v}路边餐饮店油烟直排，影响居民生活。",
        "反映某厂区废水排入河道，河水发黑发臭。",
        "反映快递网点占道经营，影响通行。",
    ],
    "矛盾纠纷": [
        "与邻居因排水沟堵塞发生纠纷，雨天积水流入自家院内，多次协商未果。",
        "与承包方因工程款结算发生争议，对方拖欠款项约{n}万元。",
        "{v}两户村民因宅基地边界发生争执，双方情绪激动。",
        "在厂里务工受伤，与老板就赔偿金额协商不成。",
        "租房押金被房东扣留，双方对损坏赔偿各执一词。",
        "因车辆刮擦与对方就维修费用发生纠纷。",
    ],
    "家事纠纷": [
        "离婚后对方未按时支付子女抚养费，已拖欠{n}个月。",
        "兄弟姐妹之间因父母赡养费用分摊发生矛盾。",
        "夫妻因家庭琐事长期争吵，妻子请求调解。",
        "父母去世后子女就老宅继承发生争执。",
    ],
    "心理服务": [
        "因生意失败情绪低落，家属陪同前来寻求心理疏导。",
        "孩子厌学在家，家长焦虑，请求心理辅导。",
        "长期失眠，自述压力大，希望有人倾诉。",
    ],
    "信访事项": [
        "反映征地补偿款分配不公，要求重新核算。",
        "对{v}村务公开情况有异议，要求查看账目。",
        "反映拆迁安置房分配问题，要求给予解释。",
    ],
    "安全隐患": [
        "{v}出租房内电动车违规充电，存在火灾隐患。",
        "河道护栏损坏，存在落水隐患，请求尽快修复。",
        "老旧房屋墙体开裂，担心倒塌。",
    ],
    "其他": ["对中心工作提出建议，希望延长周末接待时间。", "反映村里公共厕所卫生问题。"],
}
ANSWERS = [
    "已当场解答，告知办理地点、所需材料和时限，并提供政策原文。",
    "已告知可到便民服务中心相应窗口办理，并留下联系电话。",
    "已解释相关政策，群众表示理解。",
]


@dataclass(frozen=True)
class DemoResult:
    created_accounts: list[tuple[str, str, str]]
    matters_added: int
    total_matters: int
    recovery_key: str | None = None  # the demo's counselling recovery key, when made now


def _id_number(rng: random.Random, born: date, male: bool) -> str:
    seq = rng.randrange(10, 99) * 10 + (
        rng.choice((1, 3, 5, 7, 9)) if male else rng.choice((0, 2, 4, 6, 8))
    )
    first17 = f"330382{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    if rng.random() < 0.02:
        given = given[:1] + rng.choice(RARE_GIVEN)
    return rng.choice(SURNAMES) + given


class NotADemoDatabase(ServiceError):
    """Demo accounts have published passwords: never added to a real center's database."""


def _ensure_center_and_accounts(session: Session) -> list[tuple[str, str, str]]:
    created: list[tuple[str, str, str]] = []
    if setup.is_initialised(session) and not load_settings(session).is_demo:
        raise NotADemoDatabase(
            "这是真实中心的数据库，不能往里生成演示账号和演示数据（演示账号的密码是公开的）。"
            "请用 --db 另指定一个新文件作为演示数据库，例如 --db 演示.sqlite3。"
        )
    if not setup.is_initialised(session):
        username, password, _role, display = DEMO_ACCOUNTS[-1]
        setup.init_center(
            session,
            center_name=DEMO_CENTER,
            prefix="BS",
            terminal="A",
            admin_username=username,
            admin_password=password,
            admin_display_name=display,
            center_phone="0577-62888110",
            villages=DEMO_VILLAGES,
        )
        created.append((username, password, Role.ADMIN.label))
    save_settings(session, is_demo=True)
    setup.add_villages(session, DEMO_VILLAGES)
    system = Actor.system("A")
    existing = set(session.scalars(select(User.username)))
    for username, password, role, display in DEMO_ACCOUNTS:
        if username not in existing:
            create_user(session, system, username, display, role, password)
            created.append((username, password, role.label))
    return created


def generate_demo(
    db: Database,
    matters: int,
    *,
    seed: int = 2026,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Add ``matters`` matters over the past year; accounts and villages only where missing."""
    from .pinyin import name_keys  # here: the login window lists DEMO_ACCOUNTS, not pinyin

    today = today or date.today()
    with db.write() as s:
        created = _ensure_center_and_accounts(s)
        settings = load_settings(s)
        cal = WorkCalendar.load(s)
        cats = {c.name: c for c in s.scalars(select(Category))}
        units = {u.name: u.id for u in s.scalars(select(Unit))}
        villages = list(s.execute(select(Village.id, Village.name)))
        users = {u.username: u.id for u in s.scalars(select(User))}
        already = s.scalar(select(func.count()).select_from(Matter)) or 0
        counters = {
            (c.year): c.last_value
            for c in s.scalars(
                select(NumberCounter).where(
                    NumberCounter.prefix == settings.prefix,
                    NumberCounter.terminal == settings.terminal,
                )
            )
        }
    rng = random.Random(seed + already)
    receptionists = [users[u] for u in ("demo-reception", "demo-director") if u in users]
    cat_names = [c for c in CATEGORY_WEIGHTS if c in cats]
    cat_w = [CATEGORY_WEIGHTS[c] for c in cat_names]
    channels, chan_w = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    stationed = [
        units[n] for n in ("派出所", "司法所", "综合行政执法队", "人力社保所") if n in units
    ]

    # When each matter came in: working hours, fewer at weekends, oldest first (numbering).
    stamps = []
    while len(stamps) < matters:
        d = today - timedelta(days=rng.randrange(0, 365))
        if d.weekday() >= 5 and rng.random() < 0.85:
            continue
        minute = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        at = datetime(d.year, d.month, d.day, minute // 60, minute % 60)
        if at > datetime.now():  # nothing is received later today than now
            continue
        stamps.append(at)
    stamps.sort()

    deadline_cache: dict[tuple[date, str], date] = {}
    people: list[dict] = []
    done = 0
    chunk = 5000
    for start in range(0, matters, chunk):
        person_rows, matter_rows, link_rows, event_rows = [], [], [], []
        for at in stamps[start : start + chunk]:
            cname = rng.choices(cat_names, cat_w)[0]
            cat = cats[cname]
            # Visitors: a returning person about a third of the time.
            if people and rng.random() < 0.3:
                person = rng.choice(people)
            else:
                name = _name(rng)
                male = rng.random() < 0.55
                born = date(rng.randrange(1940, 2004), rng.randrange(1, 13), rng.randrange(1, 29))
                village = rng.choice(villages) if villages else (None, "")
                phone = f"1{rng.choice('35789')}{rng.randrange(10**8, 10**9)}"
                py, ini = name_keys(name)
                person = {
                    "id": uuid.uuid4(),
                    "name": name,
                    "name_pinyin": py,
                    "name_initials": ini,
                    "id_number": _id_number(rng, born, male) if rng.random() < 0.8 else None,
                    "phone": phone,
                    "phone_tail": phone[-4:],
                    "address": f"{village[1]}{rng.randrange(1, 300)}号",
                    "village_id": village[0],
                    "created_at": at,
                }
                people.append(person)
                person_rows.append(person)
            key = (at.date(), cname)
            if key not in deadline_cache:
                deadline_cache[key] = cal.deadline(at, cat.limit_kind, cat.limit_days).due
            due = deadline_cache[key]
            year = at.year
            counters[year] = counters.get(year, 0) + 1
            seq = counters[year]
            mid = uuid.uuid4()
            receptionist = rng.choice(receptionists)
            v_name = (
                person["address"].split("村")[0] + "村" if "村" in person["address"] else "小区"
            )
            summary = rng.choice(SUMMARIES.get(cname, SUMMARIES["其他"])).format(
                v=v_name, n=rng.randrange(2, 30)
            )
            unit_id = cat.default_unit_id or (rng.choice(stationed) if stationed else None)
            age = (today - at.date()).days
            events = [(at, EventKind.REGISTERED, None, MatterStatus.REGISTERED, "来访登记")]
            answer = closed = None
            if cat.limit_kind == LimitKind.SAME_DAY and rng.random() < 0.85:
                status, unit_id, answer, closed = (
                    MatterStatus.ANSWERED,
                    None,
                    rng.choice(ANSWERS),
                    at,
                )
                events.append((at, EventKind.ANSWERED, MatterStatus.REGISTERED, status, answer))
            else:
                r = rng.random()
                finished = due < today and r < 0.96 or (age > 3 and r < 0.5)
                status = MatterStatus.ROUTED if unit_id else MatterStatus.REGISTERED
                if unit_id:
                    events.append(
                        (
                            at + timedelta(minutes=5),
                            EventKind.ROUTED,
                            MatterStatus.REGISTERED,
                            status,
                            "分流交办",
                        )
                    )
                if finished or (age > 1 and rng.random() < 0.6):
                    t = at + timedelta(days=1, hours=1)
                    events.append(
                        (t, EventKind.STATUS, status, MatterStatus.IN_PROGRESS, "承办人已接收")
                    )
                    status = MatterStatus.IN_PROGRESS
                if finished:
                    close_days = max(1, min((due - at.date()).days, age - 1, rng.randrange(1, 25)))
                    closed = at + timedelta(days=close_days, hours=2)
                    end = rng.choices(
                        [MatterStatus.DONE, MatterStatus.FED_BACK, MatterStatus.ARCHIVED], [2, 3, 5]
                    )[0]
                    for st in (MatterStatus.DONE, MatterStatus.FED_BACK, MatterStatus.ARCHIVED):
                        events.append((closed, EventKind.STATUS, status, st, None))
                        status = st
                        if st == end:
                            break
            group = cname in ("信访事项", "矛盾纠纷", "投诉") and rng.random() < 0.04
            matter_rows.append(
                {
                    "id": mid,
                    "number": format_number(
                        settings.number_format, settings.prefix, year, settings.terminal, seq
                    ),
                    "prefix": settings.prefix,
                    "year": year,
                    "terminal": settings.terminal,
                    "seq": seq,
                    "channel": rng.choices(channels, chan_w)[0],
                    "category_id": cat.id,
                    "summary": summary,
                    "unit_id": unit_id,
                    "handler_name": None,
                    "receptionist_id": receptionist,
                    "status": status,
                    "received_at": at,
                    "deadline": at.date() if answer else due,
                    "answer": answer,
                    "is_group": group,
                    "head_count": rng.randrange(5, 60) if group else None,
                    "closed_at": closed,
                    "created_at": at,
                    "updated_at": closed or at,
                }
            )
            link_rows.append({"matter_id": mid, "person_id": person["id"], "position": 0})
            for ev_at, kind, frm, to, note in events:
                event_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "matter_id": mid,
                        "at": ev_at,
                        "user_id": receptionist,
                        "kind": kind,
                        "from_status": frm,
                        "to_status": to,
                        "note": note,
                    }
                )
        with db.write() as s:
            if person_rows:
                s.execute(insert(Person), person_rows)
            s.execute(insert(Matter), matter_rows)
            s.execute(insert(MatterPerson), link_rows)
            s.execute(insert(MatterEvent), event_rows)
            _store_counters(s, settings.prefix, settings.terminal, counters)
        done += len(matter_rows)
        if progress:
            progress(done, matters)
    with db.write() as s:
        _demo_meetings(s, today)
        _demo_cases(s, today)
        audit.record(s, Actor.system(settings.terminal), "demo_generate", reason=f"{matters} 件")
        total = s.scalar(select(func.count()).select_from(Matter)) or 0
    recovery_key = _demo_counselling(db, today)
    return DemoResult(created, matters, total, recovery_key)


def _store_counters(s: Session, prefix: str, terminal: str, counters: dict[int, int]) -> None:
    for year, last in counters.items():
        row = s.get(NumberCounter, (prefix, year, terminal))
        if row is None:
            s.add(NumberCounter(prefix=prefix, year=year, terminal=terminal, last_value=last))
        else:
            row.last_value = max(row.last_value, last)


def _demo_meetings(s: Session, today: date) -> None:
    """Last month's joint meeting and recent weekly meetings (once per database)."""
    from app.models import AttendanceKind, Meeting, MeetingKind

    from . import meetings
    from .auth import actor_for

    if s.scalar(select(func.count()).select_from(Meeting)):
        return
    director = s.scalar(select(User).where(User.username == "demo-director"))
    recorder = s.scalar(select(User).where(User.username == "demo-reception"))
    if director is None or recorder is None:
        return
    chair, rec = actor_for(director), actor_for(recorder)
    people = [
        meetings.AttendeeInput(director.display_name, "综治中心"),
        meetings.AttendeeInput("陈国平", "矛盾纠纷调解室"),
        meetings.AttendeeInput("吴建军", "派出所"),
        meetings.AttendeeInput("黄丽", "司法所"),
        meetings.AttendeeInput("叶海东", "信访办", AttendanceKind.ABSENT, "到市里参加培训"),
        meetings.AttendeeInput("赵敏", "妇联", AttendanceKind.OBSERVER),
    ]
    first_of_month = today.replace(day=1)
    joint_day = first_of_month - timedelta(days=first_of_month.weekday() + 3)
    plans = [(MeetingKind.JOINT, joint_day)]
    monday = today - timedelta(days=today.weekday())
    plans += [(MeetingKind.WEEKLY, monday - timedelta(weeks=w)) for w in (3, 1, 0)]
    for kind, day in plans:
        if day > today:
            continue
        at = datetime(day.year, day.month, day.day, 8, 30)
        since = day - timedelta(days=7 if kind == MeetingKind.WEEKLY else 30)
        figures = meetings.figures_draft(s, rec, since, day, today=day).as_text()
        decisions = [
            meetings.DecisionInput(
                "对近期反映集中的夜间施工噪音开展联合整治",
                "综合行政执法队",
                day + timedelta(days=10),
            ),
            meetings.DecisionInput(
                "对超期未办结事项逐件督办，周五前反馈进展", "各承办单位", day + timedelta(days=4)
            ),
        ]
        ref = meetings.create_meeting(
            s,
            rec,
            meetings.MeetingInput(
                kind=kind,
                starts_at=at,
                place="中心三楼会议室",
                chair=director.display_name,
                recorder=recorder.display_name,
                situation=figures.replace(
                    "（请记录人根据会议讨论填写）", "噪音扰民和邻里纠纷较集中，需提前介入。"
                ),
                distribution="各派驻单位，各村（社区）",
                attendees=people,
                items=[
                    meetings.ItemInput(
                        "本期矛盾纠纷排查化解情况", "各单位通报了本周期受理和化解情况。"
                    )
                ],
                decisions=decisions,
            ),
        )
        if day < monday:
            meetings.issue_minutes(s, chair, ref.id, at=at + timedelta(hours=4))


def _demo_cases(s: Session, today: date) -> None:
    """Cases in both mediation rooms at every stage (once per database)."""
    from app.models import (
        AgreementKind,
        CaseRoom,
        CaseStatus,
        DisputeType,
        FollowUpMethod,
        MediationCase,
        PartyKind,
        PartyRole,
        Performance,
        ProtectionKind,
        Satisfaction,
        TransferBody,
        ViolenceRisk,
    )

    from . import mediation as md
    from .auth import actor_for

    if s.scalar(select(func.count()).select_from(MediationCase)):
        return
    user = s.scalar(select(User).where(User.username == "demo-mediator"))
    if user is None:
        return
    m = actor_for(user, "A")

    def at(days_ago: int, hour: int = 9) -> datetime:
        d = today - timedelta(days=days_ago)
        return datetime(d.year, d.month, d.day, hour, 0)

    def party(role, name, sex="", age=None, **kw):
        return md.PartyInput(role, name, sex=sex, age=age, **kw)

    def case(room, dtype, facts, parties, days_ago, **kw):
        data = md.CaseInput(
            room=room,
            dispute_type=dtype,
            facts=facts,
            parties=parties,
            mediator_ids=[user.id],
            **kw,
        )
        return md.open_case(s, m, data, at=at(days_ago))

    def record(ref, days_ago, statements, result, next_step=""):
        md.save_session(
            s,
            m,
            ref.id,
            md.SessionInput(
                at=at(days_ago, 14),
                place="中心一楼调解室",
                recorder=user.display_name,
                rights_told=True,
                statements=[md.StatementInput(a, b) for a, b in statements],
                result=result,
                next_step=next_step,
            ),
        )

    def agree(ref, days_ago, facts, terms, due_in, kind=AgreementKind.WRITTEN):
        a = md.save_agreement(
            s,
            m,
            ref.id,
            md.AgreementInput(
                kind,
                facts,
                terms,
                "按约定当面履行" if kind == AgreementKind.WRITTEN else "",
                today - timedelta(days=days_ago) + timedelta(days=due_in),
            ),
        )
        md.sign_agreement(s, m, a.id, today - timedelta(days=days_ago), at=at(days_ago, 16))
        return a

    ap, rp = PartyRole.APPLICANT, PartyRole.RESPONDENT
    gen, fam = CaseRoom.GENERAL, CaseRoom.FAMILY
    # 1. Neighbours: agreed, performance deadline passed, follow-up due: shows a reminder.
    one = case(
        gen,
        DisputeType.NEIGHBOUR,
        "双方因排水沟堵塞发生纠纷，雨天积水流入申请人院内，多次协商未果。",
        [party(ap, "陈美华", "女", 52, phone="13857712345"), party(rp, "林志强", "男", 47)],
        20,
        requests="1. 被申请人疏通排水沟；\n2. 赔偿损失 3000 元。",
        amount="3000",
    )
    record(
        one,
        19,
        [("陈美华", "下雨天水都流进我家院子。"), ("林志强", "杂物是临时堆的，可以清理。")],
        "双方同意由被申请人清理并赔偿。",
        "起草调解协议书。",
    )
    agree(
        one,
        18,
        "排水沟堵塞系被申请人堆放杂物所致，被申请人负主要责任。",
        ["林志强于协议签订后七日内清理杂物、疏通排水沟", "林志强赔偿陈美华损失2000元"],
        7,
    )
    md.plan_followup(s, m, one.id, today - timedelta(days=1))
    # 2. Wages: mediating now.
    two = case(
        gen,
        DisputeType.LABOUR,
        "申请人在厂里务工受伤，与老板就赔偿金额协商不成。",
        [
            party(ap, "黄建国", "男", 38),
            party(
                rp, "乐清市某某五金制品有限公司", kind=PartyKind.ORGANISATION, representative="郑某"
            ),
        ],
        6,
        amount="45000",
    )
    record(two, 5, [("黄建国", "要求赔偿医疗费和误工费。")], "双方分歧较大。", "下周再次调解。")
    # 3. Contract: failed, then transferred to the court.
    three = case(
        gen,
        DisputeType.CONTRACT,
        "申请人与承包方因工程款结算发生争议，对方拖欠款项约12万元。",
        [party(ap, "王立新", "男", 45), party(rp, "吴海东", "男", 50)],
        45,
        amount="120000",
    )
    record(three, 40, [("吴海东", "工程有质量问题，不同意付款。")], "双方各执一词。")
    md.close_case(
        s, m, three.id, CaseStatus.FAILED, "双方对工程质量分歧大，已告知可向法院起诉。", at=at(35)
    )
    md.transfer_case(
        s, m, three.id, TransferBody.COURT, "乐清市人民法院", "当事人已起诉", at=at(34)
    )
    # 4. Traffic accident: agreed, followed up, confirmed by the court, archived.
    four = case(
        gen,
        DisputeType.TRAFFIC,
        "因车辆刮擦与对方就维修费用发生纠纷。",
        [party(ap, "赵丽", "女", 33), party(rp, "孙伟", "男", 29)],
        70,
        amount="6800",
    )
    record(four, 69, [("赵丽", "维修费6800元。"), ("孙伟", "只愿意承担一半。")], "达成一致。")
    agree(four, 68, "孙伟负事故主要责任。", ["孙伟赔偿赵丽维修费5000元，当场付清"], 0)
    md.record_confirmation(s, m, four.id, today - timedelta(days=60), "乐清市人民法院")
    md.record_followup(
        s,
        m,
        four.id,
        md.FollowUpInput(
            today - timedelta(days=55),
            FollowUpMethod.PHONE,
            "赵丽",
            Performance.DONE,
            Satisfaction.SATISFIED,
        ),
        today=today,
    )
    md.archive_case(s, m, four.id, "长期", at=at(50))
    # 5. Family: high risk of violence, minors, protective steps.
    five = case(
        fam,
        DisputeType.MARRIAGE_FAMILY,
        "夫妻因家庭琐事长期争吵，女方称曾被推搡，请求调解。",
        [party(ap, "周晓燕", "女", 35), party(rp, "叶建平", "男", 37)],
        4,
        relationship="夫妻",
        violence_risk=ViolenceRisk.HIGH,
    )
    md.save_minors(s, m, five.id, [md.MinorInput("叶小雨", "女", 9, "之女")])
    md.add_protection(
        s, m, five.id, ProtectionKind.WARNING_LETTER, today - timedelta(days=3), "已转介白石派出所"
    )
    md.add_service(s, m, five.id, "counselling", today - timedelta(days=3), "转暖心工作室")
    md.add_complaint(
        s,
        m,
        five.id,
        today - timedelta(days=4),
        "女方反映遭受推搡",
        "街道妇联",
        today - timedelta(days=3),
    )
    # 6. Family: maintenance arrears, oral agreement reached.
    six = case(
        fam,
        DisputeType.MARRIAGE_FAMILY,
        "离婚后对方未按时支付子女抚养费，已拖欠5个月。",
        [party(ap, "何秀英", "女", 40), party(rp, "许强", "男", 42)],
        12,
        relationship="前夫妻",
        violence_risk=ViolenceRisk.NONE,
    )
    md.add_service(s, m, six.id, "legal_advice", today - timedelta(days=12), "讲解抚养费相关规定")
    agree(
        six,
        10,
        "许强拖欠抚养费5个月，共5000元。",
        ["许强于本月底前一次性支付拖欠的抚养费5000元"],
        20,
        kind=AgreementKind.ORAL,
    )


# Invented cases for the demo: no real person, no real story.
_DEMO_CLIENTS = [
    # (name or None, pseudonym or None, group, source, [(days ago, form, risk, basis, notes)])
    (
        None,
        "小林",
        "setback",
        "reception",
        [
            (
                20,
                "individual",
                "medium",
                "失业后睡眠差，情绪低落两周",
                "首次来访。讲述厂里裁员后的经历，"
                "自述每天只睡三四个小时。约定下周再谈，布置睡眠日记。",
            ),
            (
                6,
                "crisis",
                "crisis",
                "谈到“活着没意思”，已想过具体方式",
                "危机干预。来访者情绪激动，"
                "表示欠债无力偿还。已签署安全承诺书，联系其姐姐陪伴，约定每天电话联系。",
            ),
        ],
    ),
    (
        "王美华",
        None,
        "conflict",
        "mediator",
        [
            (
                12,
                "family",
                "high",
                "与邻居纠纷多次升级，扬言“要出人命”",
                "调解员转介。与丈夫一起来访，"
                "宅基地纠纷调解两次未果，对邻居敌意很强。讨论情绪管理和合法途径。",
            ),
        ],
    ),
    (
        "赵立新",
        None,
        "imbalance",
        "self",
        [
            (30, "individual", "low", "", "主动来访，工作压力大，家庭关系紧张。练习放松训练。"),
            (9, "phone", "low", "", "电话咨询，放松训练坚持得较好，睡眠改善。"),
        ],
    ),
    (
        None,
        "阿杰",
        "behaviour",
        "grid",
        [
            (
                4,
                "individual",
                "medium",
                "饮酒后多次与家人争吵摔东西",
                "网格员陪同来访。承认饮酒问题，同意家属参加下一次家庭咨询。",
            ),
        ],
    ),
]


def _demo_counselling(db: Database, today: date) -> str | None:
    """暖心工作室: a few clients, sessions with (encrypted) notes, care plans, activities."""
    from app.models import (
        ActivityKind,
        ClientSource,
        CounsellingClient,
        RiskLevel,
        SessionForm,
        TargetGroup,
    )

    from . import counselling, notes_keys
    from .auth import actor_for

    with db.read() as s:
        if s.scalar(select(func.count()).select_from(CounsellingClient)):
            return None
        user = s.scalar(select(User).where(User.username == "demo-counsellor"))
        if user is None:
            return None
        c = actor_for(user)
        has_recovery = notes_keys.recovery_configured(s)
    recovery_key = None
    with db.write() as s:
        if not has_recovery:
            recovery_key = notes_keys.create_recovery_key(s, Actor.system()).key_text
        key = notes_keys.unlock(s, c, "Nuanxin@2026")
    try:
        with db.write() as s:
            for name, pseudonym, group, source, sessions in _DEMO_CLIENTS:
                client_id = counselling.register_client(
                    s,
                    c,
                    counselling.ClientInput(
                        TargetGroup(group),
                        ClientSource(source),
                        name=name or "",
                        pseudonym=pseudonym or "",
                        use_pseudonym=pseudonym is not None,
                    ),
                )
                for ago, form, risk, basis, notes in sessions:
                    held = today - timedelta(days=ago)
                    counselling.record_session(
                        s,
                        c,
                        key,
                        counselling.SessionInput(
                            client_id,
                            held,
                            50 if form != "phone" else 20,
                            SessionForm(form),
                            RiskLevel(risk),
                            basis,
                            notes,
                            datetime.combine(today + timedelta(days=7 - ago % 7), time(9, 30))
                            if RiskLevel(risk) != RiskLevel.LOW
                            else None,
                        ),
                    )
                if RiskLevel(sessions[-1][2]) != RiskLevel.LOW:
                    counselling.create_care_plan(
                        s,
                        c,
                        key,
                        counselling.PlanInput(
                            client_id,
                            "稳定情绪，保证安全；每周回访，必要时陪同就医",
                            c.user_id,
                            7,
                            today
                            - timedelta(days=1 if RiskLevel(sessions[-1][2]).is_alert else -3),
                            "乐清市第三人民医院心理科" if pseudonym == "小林" else "",
                        ),
                    )
            for ago, kind, topic, audience, n, partners in (
                (
                    40,
                    ActivityKind.PUBLICITY,
                    "世界精神卫生日：关注心理健康",
                    "白石社区居民",
                    86,
                    "街道卫生院",
                ),
                (15, ActivityKind.GROUP, "压力管理团体辅导", "企业职工", 14, "团街道工委、社工站"),
            ):
                counselling.record_activity(
                    s,
                    c,
                    counselling.ActivityInput(
                        kind, today - timedelta(days=ago), topic, audience, n, partners
                    ),
                )
    finally:
        key.drop()
    return recovery_key
