"""Demo data: a made-up, realistic year at 白石街道综治工作中心 (make run, benchmarks).

Accounts here have well-known passwords: they belong in demo databases only, which are
flagged ``is_demo`` so the log-in screen can list them. A database that was initialised as a
real center is refused (``NotADemoDatabase``), so demo accounts never land in one.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.core import clock
from app.core.errors import ServiceError
from app.db import Database
from app.demo import assessment as demo_assessment
from app.demo import duty as demo_duty
from app.demo import grids as demo_grids
from app.demo import key_people as demo_key_people
from app.demo import work as demo_work
from app.demo.accounts import DEMO_LOGINS, GRID_LOGIN
from app.demo.people import id_number
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
    Satisfaction,
    Unit,
    User,
    Village,
)
from app.services.center import setup
from app.services.center.calendar import WorkCalendar
from app.services.center.settings import load_settings, save_settings
from app.services.context import Actor
from app.services.reception import flow
from app.services.reception.attachments import attachments_folder
from app.services.reception.flow import Move
from app.services.reception.numbering import format_number
from app.services.security import audit
from app.services.security.auth import create_user, set_unit

DEMO_ACCOUNTS: list[tuple[str, str, Role, str]] = [
    (user, password, Role(role), name) for user, password, role, _label, name in DEMO_LOGINS
]
# The room each member of staff works in ("本单位的"); matters routed there go to one of them.
DEMO_ROOMS = {
    "demo-reception": "群众接待窗口",
    "demo-reception2": "群众接待窗口",
    "demo-mediator": "矛盾纠纷调解室",
    "demo-mediator2": "家事调解室",
    "demo-counsellor": "暖心工作室",
}

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
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美霞平刚桂兰志红斌建国玉梅海燕文辉鹏飞晓东雪琴建华立新春梅小红永强德明金凤丹丹俊杰佳怡子涵宇轩雨涵浩然欣怡梓萱淑顺胜帅思松诗"  # noqa: E501
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
# 办理结果 by category, as a handler writes it when completing the matter.
RESULTS = {
    "咨询": [
        "已电话告知办理流程和所需材料，群众已到便民服务中心办结。",
        "已会同相关部门书面答复，群众表示清楚。",
    ],
    "求助": [
        "已联系村委会上门查看，协调维修人员完成维修。",
        "已协助提交临时救助申请，经审批发放救助金{n}00元。",
        "已协调法律援助中心指派律师提供帮助。",
        "已转民政办按程序办理，群众已领取补助。",
    ],
    "投诉": [
        "执法队现场核查属实，已责令整改，复查时已整改到位。",
        "已约谈物业公司负责人，电梯已完成维修并通过检测。",
        "已督促餐饮店加装油烟净化设备，复查达标。",
        "经核查，反映的情况部分属实，已责令限期整改并向群众说明核查过程。",
    ],
    "矛盾纠纷": [
        "经调解双方达成一致，已当场履行。",
        "经调解双方达成口头协议，由责任方赔偿{n}00元，已履行。",
        "经村调委会和司法所联合调解，双方签订调解协议书，已按约履行。",
        "经调解，对方同意分期支付欠款，首期款项已到账。",
    ],
    "家事纠纷": [
        "经调解双方就抚养费支付达成协议，已按月支付。",
        "兄弟姐妹就赡养费分摊达成一致，每人每月承担{n}00元。",
        "经调解夫妻双方和好，约定共同参加家庭教育指导。",
    ],
    "心理服务": [
        "心理咨询师已进行{n}次心理疏导，情绪明显好转，转入定期回访。",
        "已安排心理咨询，并转介乐清市第三人民医院心理科。",
    ],
    "信访事项": [
        "经核查，补偿款分配符合村民代表会议决议，已书面答复信访人。",
        "已组织村务公开，信访人查阅了相关账目，表示认可。",
        "已出具信访事项处理意见书，告知不服可申请复查的途径。",
    ],
    "安全隐患": [
        "已会同村委会清理违规充电点，设置集中充电区域，隐患已消除。",
        "已通知水利部门修复护栏，并设置警示标志。",
        "已组织房屋安全鉴定，住户已临时搬离，待加固后返回。",
    ],
    "其他": [
        "已将建议转交中心研究，周六上午增设接待时段。",
        "已联系村委会落实保洁，公共厕所卫生已改善。",
    ],
}
PROGRESS_NOTES = [
    "已电话联系当事人了解详细情况。",
    "已到现场查看，拍照留存。",
    "已召集双方初步沟通，约定再次协商时间。",
    "已协调相关部门共同处理，等待对方回复。",
]
# Who works a matter in a stationed unit (no accounts of its own: the window records for it).
UNIT_HANDLERS = {
    "派出所": ["吴建军", "潘立群"],
    "司法所": ["黄丽", "徐慧敏"],
    "信访办": ["叶海东", "蔡文辉"],
    "综合行政执法队": ["金永强", "卢海涛"],
    "人力社保所": ["邵春梅"],
    "应急管理（安全生产）": ["倪建新"],
}
FEEDBACK_WEIGHTS = {"电话": 60, "当面": 22, "上门回访": 12, "短信": 6}
SATISFACTION_WEIGHTS = {
    Satisfaction.SATISFIED: 83,
    Satisfaction.FAIRLY: 14,
    Satisfaction.DISSATISFIED: 3,
}
DISSATISFIED_NOTES = [
    "群众认为处理时间过长",
    "群众对赔偿金额仍有意见，已做好解释",
    "群众希望彻底解决，已告知后续途径",
]


@dataclass(frozen=True)
class DemoResult:
    created_accounts: list[tuple[str, str, str]]
    matters_added: int
    total_matters: int
    recovery_key: str | None = None  # the demo's counselling recovery key, when made now


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
    units = {u.name: u.id for u in session.scalars(select(Unit))}
    for username, password, role, display in DEMO_ACCOUNTS:
        if username not in existing:
            user = create_user(session, system, username, display, role, password)
            if DEMO_ROOMS.get(username) in units:
                set_unit(session, system, user.id, units[DEMO_ROOMS[username]])
            created.append((username, password, role.label))
    return created


def _step(
    events: list[tuple],
    status: MatterStatus,
    when: datetime,
    user_id: uuid.UUID,
    move: Move,
    note: str | None,
) -> MatterStatus:
    """One of the flow's moves on a generated matter's timeline; the status it leads to."""
    kind, to = flow.planned(status, move)
    events.append((when, user_id, kind, status, to, note))
    return to


def generate_demo(
    db: Database,
    matters: int,
    *,
    seed: int = 2026,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Add ``matters`` matters over the past year; accounts, villages and the showcase (cases,
    督办, AB岗, meetings, registers …, see ``demo_work``) only where missing."""
    from app.services.pinyin import (
        name_keys,  # here: the login window lists DEMO_ACCOUNTS, not pinyin
    )

    today = today or clock.today()
    # Nothing happens later than now, nor after the demo's "today".
    latest = min(clock.now().replace(microsecond=0), datetime.combine(today, time(23, 59)))
    with db.write() as s:
        created = _ensure_center_and_accounts(s)
        settings = load_settings(s)
        cal = WorkCalendar.load(s)
        cats = {c.name: c for c in s.scalars(select(Category))}
        units = {u.name: u.id for u in s.scalars(select(Unit))}
        unit_names = {v: k for k, v in units.items()}
        villages = list(s.execute(select(Village.id, Village.name)))
        accounts = {u.username: u for u in s.scalars(select(User))}
        users = {name: u.id for name, u in accounts.items()}
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
        # The showcase registers its matters through the services; each keeps the number it
        # would have had, registered in turn with the others at its time.
        planned = _case_times(today) if _cases_missing(s) else []
        if demo_work.missing(s):
            planned += demo_work.registration_times(today, cal)
        if demo_grids.missing(s):
            planned += demo_grids.report_times(today)
    if len(set(planned)) != len(planned):
        raise RuntimeError("演示数据：两件演示事项的登记时间相同")
    rng = random.Random(seed + already)
    receptionists = [
        users[u] for u in ("demo-reception", "demo-reception2", "demo-director") if u in users
    ]
    names = {u.id: u.display_name for u in accounts.values()}
    cat_names = [c for c in CATEGORY_WEIGHTS if c in cats]
    cat_w = [CATEGORY_WEIGHTS[c] for c in cat_names]
    channels, chan_w = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    methods, method_w = list(FEEDBACK_WEIGHTS), list(FEEDBACK_WEIGHTS.values())
    levels, level_w = list(SATISFACTION_WEIGHTS), list(SATISFACTION_WEIGHTS.values())
    stationed = [
        units[n] for n in ("派出所", "司法所", "综合行政执法队", "人力社保所") if n in units
    ]
    # Rooms whose staff have accounts: a matter goes to one of them (not one away that day).
    room_staff: dict[uuid.UUID, list[uuid.UUID]] = {}
    for username, room in DEMO_ROOMS.items():
        if room in units and username in users:
            room_staff.setdefault(units[room], []).append(users[username])
    away = [
        (users[who], start, end)
        for who, start, end, _why in demo_work.absences(today, cal)
        if who in users
    ]

    def handler_for(unit_id: uuid.UUID, day: date) -> tuple[uuid.UUID | None, str]:
        staff = room_staff.get(unit_id)
        if staff:
            present = [
                u
                for u in staff
                if not any(a == u and first <= day <= last for a, first, last in away)
            ]
            user = rng.choice(present or staff)
            return user, names[user]
        return None, rng.choice(UNIT_HANDLERS.get(unit_names.get(unit_id), [""]))

    # When each matter came in: working hours, fewer at weekends, oldest first (numbering).
    stamps = []
    while len(stamps) < matters:
        d = today - timedelta(days=rng.randrange(0, 365))
        if d.weekday() >= 5 and rng.random() < 0.85:
            continue
        minute = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        at = datetime(d.year, d.month, d.day, minute // 60, minute % 60)
        if at > latest:  # nothing is received later today than now
            continue
        stamps.append(at)
    stamps.sort()

    reserved: dict[datetime, int] = {}
    waiting = sorted(set(planned))

    def reserve(until: datetime | None) -> None:
        """Numbers for the showcase's registrations up to ``until``, in turn with the rest."""
        while waiting and (until is None or waiting[0] <= until):
            at = waiting.pop(0)
            counters[at.year] = counters.get(at.year, 0) + 1
            reserved[at] = counters[at.year]

    deadline_cache: dict[tuple[date, str], date] = {}
    people: list[dict] = []
    done = 0
    chunk = 5000
    for start in range(0, matters, chunk):
        person_rows, matter_rows, link_rows, event_rows = [], [], [], []
        for at in stamps[start : start + chunk]:
            cname = rng.choices(cat_names, cat_w)[0]
            cat = cats[cname]
            channel = rng.choices(channels, chan_w)[0]
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
                    "id_number": id_number(rng, born, male) if rng.random() < 0.8 else None,
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
            reserve(at)
            year = at.year
            counters[year] = counters.get(year, 0) + 1
            seq = counters[year]
            mid = uuid.uuid4()
            receptionist = rng.choice(receptionists)
            v_name = (
                person["address"].split("村")[0] + "村" if "村" in person["address"] else "小区"
            )
            fill = {"v": v_name, "n": rng.randrange(2, 30)}
            summary = rng.choice(SUMMARIES.get(cname, SUMMARIES["其他"])).format(**fill)
            unit_id = cat.default_unit_id or (rng.choice(stationed) if stationed else None)
            handler_id, handler = handler_for(unit_id, at.date()) if unit_id else (None, "")
            worker = handler_id or receptionist  # who records the unit's work
            age = (today - at.date()).days
            # The timeline as the services write it (intake.register_matter, flow.*): each
            # step is one of the flow's moves, checked against its table (flow.planned).
            events = [
                (
                    at,
                    receptionist,
                    EventKind.REGISTERED,
                    None,
                    MatterStatus.REGISTERED,
                    f"{channel.label}登记，首问责任人 {names[receptionist]}",
                )
            ]
            status = MatterStatus.REGISTERED
            answer = closed = result = method = fed_back = level = None
            updated = at
            if cat.limit_kind == LimitKind.SAME_DAY and rng.random() < 0.85:
                unit_id, answer, closed = None, rng.choice(ANSWERS), at
                handler_id, handler = None, ""
                status = _step(events, status, at, receptionist, Move.ANSWER, answer)
            else:
                r = rng.random()
                finished = due < today and r < 0.96 or (age > 3 and r < 0.5)
                if unit_id:
                    who = f"，承办人 {handler}" if handler else ""
                    updated = at + timedelta(minutes=5)
                    status = _step(
                        events,
                        status,
                        updated,
                        receptionist,
                        Move.ROUTE,
                        f"交办{unit_names[unit_id]}{who}",
                    )
                if unit_id and (finished or (age > 1 and rng.random() < 0.6)):
                    updated = at + timedelta(days=1, hours=1)
                    status = _step(
                        events, status, updated, worker, Move.ACCEPT, f"{names[worker]}接收"
                    )
                    handler = handler or names[worker]
                if finished and status == MatterStatus.IN_PROGRESS:
                    close_days = max(1, min((due - at.date()).days, age - 1, rng.randrange(1, 25)))
                    closed = at + timedelta(days=close_days, hours=2)
                    if close_days >= 3 and rng.random() < 0.5:
                        status = _step(
                            events,
                            status,
                            at + timedelta(days=close_days // 2, hours=3),
                            worker,
                            Move.PROGRESS,
                            rng.choice(PROGRESS_NOTES),
                        )
                    result = rng.choice(RESULTS.get(cname, RESULTS["其他"])).format(**fill)
                    status = _step(events, status, closed, worker, Move.COMPLETE, result)
                    updated = closed
                    end = rng.choices(
                        [MatterStatus.DONE, MatterStatus.FED_BACK, MatterStatus.ARCHIVED], [1, 3, 8]
                    )[0]
                    told = closed + timedelta(hours=rng.randrange(2, 72))
                    if end != MatterStatus.DONE and told <= latest:
                        method = rng.choices(methods, method_w)[0]
                        level = rng.choices(levels, level_w)[0]
                        fed_back = told
                        why = (
                            f"；{rng.choice(DISSATISFIED_NOTES)}"
                            if level == Satisfaction.DISSATISFIED
                            else ""
                        )
                        status = _step(
                            events,
                            status,
                            told,
                            receptionist,
                            Move.FEEDBACK,
                            f"{method}反馈，{level.label}{why}",
                        )
                        updated = told
                        filed = told + timedelta(days=rng.randrange(1, 15), hours=1)
                        if end == MatterStatus.ARCHIVED and filed <= latest:
                            status = _step(events, status, filed, receptionist, Move.ARCHIVE, None)
                            updated = filed
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
                    "channel": channel,
                    "category_id": cat.id,
                    "summary": summary,
                    "unit_id": unit_id,
                    "handler_name": handler or None,
                    "handler_user_id": handler_id,
                    "receptionist_id": receptionist,
                    "status": status,
                    "received_at": at,
                    "deadline": at.date() if answer else due,
                    "answer": answer,
                    "is_group": group,
                    "head_count": rng.randrange(5, 60) if group else None,
                    "closed_at": closed,
                    "result": result,
                    "feedback_method": method,
                    "feedback_at": fed_back,
                    "satisfaction": level,
                    "created_at": at,
                    "updated_at": updated,
                }
            )
            link_rows.append({"matter_id": mid, "person_id": person["id"], "position": 0})
            for ev_at, user_id, kind, frm, to, note in events:
                event_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "matter_id": mid,
                        "at": ev_at,
                        "user_id": user_id,
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
    reserve(None)
    numbers = _Numbers(settings.prefix, settings.terminal, reserved)
    with db.write() as s:
        _store_counters(s, settings.prefix, settings.terminal, counters)
        _demo_cases(s, today, numbers)
        demo_work.add_work(s, today, numbers, attachments_folder(db.path), seed=seed)
        demo_work.add_registers(s, today, seed=seed)
        demo_work.add_meetings(s, today, seed=seed)
        demo_duty.add_duty(s, today)
        if demo_grids.add_grids(s, today, numbers, seed=seed):
            user, password, _value, label, _display = GRID_LOGIN
            created.append((user, password, label))
        demo_key_people.add_key_people(s, today, seed=seed)
        demo_assessment.add_assessment(s, today, seed=seed)
        numbers.check_all_used()
        audit.record(s, Actor.system(settings.terminal), "demo_generate", reason=f"{matters} 件")
        total = s.scalar(select(func.count()).select_from(Matter)) or 0
    recovery_key = _demo_counselling(db, today)
    return DemoResult(created, matters, total, recovery_key)


class _Numbers:
    """受理编号 kept for the showcase's registrations (``reserve`` in ``generate_demo``)."""

    def __init__(self, prefix: str, terminal: str, reserved: dict[datetime, int]):
        self.prefix, self.terminal, self.reserved = prefix, terminal, dict(reserved)

    @contextmanager
    def at(self, s: Session, when: datetime) -> Iterator[None]:
        """Register (through the services) the matter received at ``when`` under its number."""
        seq = self.reserved.pop(when, None)
        row = s.get(NumberCounter, (self.prefix, when.year, self.terminal))
        if seq is None or row is None:  # nothing kept (an older demo database): the next one
            yield
            return
        top, row.last_value = row.last_value, seq - 1
        s.flush()
        yield
        row.last_value = max(top, row.last_value)
        s.flush()

    def check_all_used(self) -> None:
        if self.reserved:
            raise RuntimeError(f"演示数据：预留的受理编号没有用上（{sorted(self.reserved)}）")


def _store_counters(s: Session, prefix: str, terminal: str, counters: dict[int, int]) -> None:
    for year, last in counters.items():
        row = s.get(NumberCounter, (prefix, year, terminal))
        if row is None:
            s.add(NumberCounter(prefix=prefix, year=year, terminal=terminal, last_value=last))
        else:
            row.last_value = max(row.last_value, last)


# Days before "today" on which the demo cases were opened (each registers its matter then).
CASE_DAYS = (70, 45, 20, 12, 6, 4)


def _case_times(today: date) -> list[datetime]:
    return [datetime.combine(today - timedelta(days=d), time(9, 0)) for d in CASE_DAYS]


def _cases_missing(s: Session) -> bool:
    from app.models import MediationCase

    return not s.scalar(select(func.count()).select_from(MediationCase)) and (
        s.scalar(select(User.id).where(User.username == "demo-mediator")) is not None
    )


def _demo_cases(s: Session, today: date, numbers: _Numbers) -> None:
    """Cases in both mediation rooms at every stage (once per database), opened in turn."""
    from app.models import (
        AgreementKind,
        CaseRoom,
        CaseStatus,
        DisputeType,
        FollowUpMethod,
        PartyKind,
        PartyRole,
        Performance,
        ProtectionKind,
        Satisfaction,
        TransferBody,
        ViolenceRisk,
    )
    from app.services.rooms import mediation as md
    from app.services.security.auth import actor_for

    if not _cases_missing(s):
        return
    user = s.scalar(select(User).where(User.username == "demo-mediator"))
    m = actor_for(user, "A")

    def at(days_ago: int, hour: int = 9) -> datetime:
        d = today - timedelta(days=days_ago)
        return datetime(d.year, d.month, d.day, hour, 0)

    names: dict[uuid.UUID, list[str]] = {}  # a case's parties, for its records

    def party(role, name, sex, age, occupation, phone, house):
        """A person of 白石街道 (民族 汉族) as the application form lists them."""
        return md.PartyInput(
            role,
            name,
            sex=sex,
            ethnicity="汉族",
            age=age,
            occupation=occupation,
            phone=phone,
            address=f"乐清市白石街道{house}",
        )

    def case(room, dtype, facts, parties, days_ago, **kw):
        assert days_ago in CASE_DAYS
        data = md.CaseInput(
            room=room,
            dispute_type=dtype,
            facts=facts,
            parties=parties,
            mediator_ids=[user.id],
            **kw,
        )
        with numbers.at(s, at(days_ago)):
            ref = md.open_case(s, m, data, at=at(days_ago))
        names[ref.id] = [p.representative or p.name for p in parties]
        return ref

    def record(ref, days_ago, statements, result, next_step="", facts="", risks=""):
        md.save_record(
            s,
            m,
            ref.id,
            md.RecordInput(
                at=at(days_ago, 14),
                place="中心一楼调解室",
                attendees="、".join(names[ref.id]) + f"；调解员 {user.display_name}",
                recorder=user.display_name,
                rights_told=True,
                facts_checked=facts,
                risks_warned=risks,
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
    # Oldest first, so case numbers and 受理编号 follow the days they were opened.
    # Traffic accident: agreed, followed up, confirmed by the court, archived.
    four = case(
        gen,
        DisputeType.TRAFFIC,
        "双方车辆在白石街道中心路口发生刮擦，交警认定孙伟负主要责任，双方就维修费用协商不成。",
        [
            party(ap, "赵丽", "女", 33, "个体工商户", "13958861234", "玉屏社区12幢301室"),
            party(rp, "孙伟", "男", 29, "快递员", "15057793456", "金港社区5幢102室"),
        ],
        70,
        requests="1. 被申请人赔偿车辆维修费6800元；\n2. 赔偿误工损失。",
        amount="6800",
    )
    record(
        four,
        69,
        [("赵丽", "维修费6800元，有4S店的维修清单。"), ("孙伟", "只愿意承担一半。")],
        "经释法说理，双方同意按责任比例承担，由孙伟赔偿5000元。",
        facts="交警事故认定书认定孙伟负主要责任，赵丽负次要责任；维修清单金额6800元。",
    )
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
    # Contract: failed, then transferred to the court.
    three = case(
        gen,
        DisputeType.CONTRACT,
        "申请人承包被申请人厂房装修工程，完工后双方因工程款结算发生争议，被申请人尚欠约12万元。",
        [
            party(ap, "王立新", "男", 45, "装修工程承包人", "13806658721", "中雁村88号"),
            party(rp, "吴海东", "男", 50, "企业主", "13777812093", "山马村16号"),
        ],
        45,
        requests="1. 被申请人支付拖欠的工程款120000元；\n2. 支付逾期付款利息。",
        amount="120000",
    )
    record(
        three,
        40,
        [("王立新", "工程早就完工了，款子拖了半年。"), ("吴海东", "工程有质量问题，不同意付款。")],
        "双方对工程质量各执一词，调解未能达成一致。",
        risks="已告知双方不得采取过激行为，可通过诉讼或申请质量鉴定解决。",
    )
    md.close_case(
        s, m, three.id, CaseStatus.FAILED, "双方对工程质量分歧大，已告知可向法院起诉。", at=at(35)
    )
    md.transfer_case(
        s, m, three.id, TransferBody.COURT, "乐清市人民法院", "当事人已起诉", at=at(34)
    )
    # Neighbours: agreed, performance deadline passed, follow-up due: shows a reminder.
    one = case(
        gen,
        DisputeType.NEIGHBOUR,
        "双方因排水沟堵塞发生纠纷，雨天积水流入申请人院内，多次协商未果。",
        [
            party(ap, "陈美华", "女", 52, "务农", "13857712345", "东山村45号"),
            party(rp, "林志强", "男", 47, "个体经营", "13616637788", "东山村47号"),
        ],
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
        facts="经现场查看，林志强在排水沟上方堆放建材，导致排水不畅。",
    )
    agree(
        one,
        18,
        "排水沟堵塞系被申请人堆放杂物所致，被申请人负主要责任。",
        ["林志强于协议签订后七日内清理杂物、疏通排水沟", "林志强赔偿陈美华损失2000元"],
        7,
    )
    md.plan_followup(s, m, one.id, today - timedelta(days=1))
    # Family: maintenance arrears; mediated, oral agreement reached.
    six = case(
        fam,
        DisputeType.MARRIAGE_FAMILY,
        "离婚后对方未按时支付子女抚养费，已拖欠5个月。",
        [
            party(ap, "何秀英", "女", 40, "超市营业员", "13587760912", "北岙村23号"),
            party(rp, "许强", "男", 42, "货车司机", "18858771203", "南岙村7号"),
        ],
        12,
        requests="1. 被申请人一次性支付拖欠的抚养费5000元；\n2. 今后每月按时支付抚养费1000元。",
        amount="5000",
        relationship="前夫妻",
        violence_risk=ViolenceRisk.NONE,
    )
    md.add_service(s, m, six.id, "legal_advice", today - timedelta(days=12), "讲解抚养费相关规定")
    record(
        six,
        10,
        [
            ("何秀英", "离婚协议写明每月给孩子一千元，他已经五个月没给了。"),
            ("许强", "今年跑车收入少，不是不给，是一时拿不出。"),
            ("何秀英", "孩子上学处处要花钱，至少先把欠的补上。"),
            ("许强", "月底前能凑齐五千元，以后每月十号前转账。"),
        ],
        "双方达成口头协议：许强于本月底前一次性支付拖欠的抚养费5000元，以后每月10日前支付。",
        "登记口头协议，月底回访履行情况。",
        facts="双方三年前协议离婚，约定女儿随母亲生活，许强每月支付抚养费1000元；"
        "许强近5个月未支付，共拖欠5000元，双方对欠款数额无异议。",
        risks="已告知许强拒不履行抚养义务的法律后果，何秀英可向人民法院申请强制执行。",
    )
    agree(
        six,
        10,
        "许强拖欠抚养费5个月，共5000元。",
        ["许强于本月底前一次性支付拖欠的抚养费5000元"],
        20,
        kind=AgreementKind.ORAL,
    )
    # Wages: mediating now.
    two = case(
        gen,
        DisputeType.LABOUR,
        "申请人在被申请人厂里务工时右手被冲床压伤，与厂方就赔偿金额协商不成。",
        [
            party(ap, "黄建国", "男", 38, "冲压工", "15167728834", "塘下村102号"),
            md.PartyInput(
                rp,
                "乐清市某某五金制品有限公司",
                kind=PartyKind.ORGANISATION,
                representative="郑某",
                representative_title="总经理",
                address="乐清市白石街道工业区",
            ),
        ],
        6,
        requests="1. 被申请人赔偿医疗费、误工费、护理费共计45000元；\n2. 协助办理工伤认定。",
        amount="45000",
    )
    record(
        two,
        5,
        [
            ("黄建国", "要求赔偿医疗费和误工费。"),
            ("郑某", "厂里已经垫付了医药费，只能再补一部分。"),
        ],
        "双方分歧较大。",
        "下周再次调解，请人力社保所派员参加。",
    )
    # Family: high risk of violence, minors, protective steps.
    five = case(
        fam,
        DisputeType.MARRIAGE_FAMILY,
        "夫妻因家庭琐事长期争吵，女方称曾被推搡，请求调解。",
        [
            party(ap, "周晓燕", "女", 35, "服装厂职工", "13968850217", "西山村61号"),
            party(rp, "叶建平", "男", 37, "电工", "13706627745", "西山村61号"),
        ],
        4,
        requests="1. 被申请人停止推搡、辱骂等行为；\n2. 双方分开居住一段时间，子女由申请人照顾。",
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
    from app.services.rooms import counselling
    from app.services.security import notes_keys
    from app.services.security.auth import actor_for

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
