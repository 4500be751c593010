"""The demo's showcase of the center's daily work, made through the services (audit rows,
timelines and numbers as in real use), once per database and the same for the same seed:

- a dozen matters taken through the whole flow (分流 → 接收 → 进展 → 办结 → 反馈 → 归档, one
  reopened after a 不满意), with 督办单, 预约联动, 信访陪访, 代理服务, 领导接访, 组团服务 and
  scanned attachments;
- AB岗 posts, a colleague on leave (their matters covered by B), leader reception days;
- records in the registers 流动人口, 特殊人群, 平安创建;
- weekly meetings and monthly joint meetings over the last three months (one week missed,
  one set of minutes corrected) and a 调度会, with decisions done, due and overdue.

Every name, ID number and story here is invented. ``demo.generate_demo`` calls this after the
bulk matters; their count does not change the work done here.
"""

from __future__ import annotations

import random
import struct
import tempfile
import uuid
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.ops import Change, read_op, write_op
from app.demo import procedures as demo_procedures
from app.demo.people import id_number
from app.models import (
    ArrangementKind,
    AttendanceKind,
    Category,
    Channel,
    Decision,
    Matter,
    MatterStatus,
    Meeting,
    MeetingKind,
    Migrant,
    Post,
    SafetyCreation,
    Satisfaction,
    SpecialPerson,
    SupervisionOrder,
    Unit,
    UnitKind,
    User,
    Village,
)
from app.services.center.calendar import WorkCalendar
from app.services.context import Actor
from app.services.security.auth import actor_for

# Staff the showcase needs (demo.DEMO_ACCOUNTS).
STAFF = (
    "demo-reception",
    "demo-reception2",
    "demo-mediator",
    "demo-mediator2",
    "demo-counsellor",
    "demo-director",
)
POSTS = [  # post, A, B (None: not set yet)
    ("综合受理窗口（一号窗）", "demo-reception", "demo-reception2"),
    ("综合受理窗口（二号窗）", "demo-reception2", "demo-reception"),
    ("矛盾纠纷调解员", "demo-mediator", "demo-mediator2"),
    ("家事调解员", "demo-mediator2", "demo-mediator"),
    ("心理咨询师", "demo-counsellor", None),
]
LEADER_PLACE = "中心一楼领导接待室"


# --- days ----------------------------------------------------------------------------------


def _back(cal: WorkCalendar, today: date, n: int) -> date:
    """The working day ``n`` working days before ``today`` (0: today)."""
    d = today
    while n > 0:
        d -= timedelta(days=1)
        n -= cal.is_working_day(d)
    return d


def _ahead(cal: WorkCalendar, today: date, n: int) -> date:
    d = today
    while n > 0:
        d += timedelta(days=1)
        n -= cal.is_working_day(d)
    return d


def _cn(d: date) -> str:
    return f"{d.month}月{d.day}日"


def absences(today: date, cal: WorkCalendar) -> list[tuple[str, date, date, str]]:
    """Who is away when: 李志明 on leave now (his B covers), two planned."""
    return [
        ("demo-mediator2", _back(cal, today, 1), today + timedelta(days=4), "年休假"),
        ("demo-reception2", today + timedelta(days=10), today + timedelta(days=12), "参加业务培训"),
        ("demo-counsellor", today + timedelta(days=20), today + timedelta(days=21), "危机干预培训"),
    ]


def leader_days(today: date, cal: WorkCalendar) -> list[date]:
    """The director receives the public on Wednesdays (the next working day in a holiday)."""
    days = []
    wednesday = today - timedelta(days=(today.weekday() - 2) % 7 + 56)
    while wednesday <= today + timedelta(days=56):
        d = wednesday
        while not cal.is_working_day(d):
            d += timedelta(days=1)
        days.append(d)
        wednesday += timedelta(days=7)
    return days


def _leader_day(today: date, cal: WorkCalendar) -> date:
    """The reception day on which 朱胜利's group came (at least a week ago)."""
    return max(d for d in leader_days(today, cal) if d <= today - timedelta(days=7))


# --- the showcase matters -----------------------------------------------------------------


@dataclass(frozen=True)
class Featured:
    key: str
    ago: int  # working days before today (-1: on the leader day)
    hm: tuple[int, int]
    name: str
    sex: str
    born: date
    village: str
    house: str
    channel: Channel
    category: str
    summary: str
    unit: str | None = None  # routed when registered (a stationed unit: typed handler below)
    handler: str = ""
    to_user: str | None = None  # routed afterwards to this member of staff (AB岗 applies)
    head_count: int | None = None
    registrar: str = "demo-reception"


# fmt: off
FEATURED = [
    Featured("widow", 34, (9, 20), "张淑芬", "女", date(1967, 4, 12), "白石村", "白石村新街27号",
             Channel.VISIT, "求助",
             "丈夫去世后申请遗属待遇和丧葬补助金，材料多次被退回，不清楚还缺什么，请求帮助。",
             "人力社保所", "邵春梅"),
    Featured("mixing", 26, (14, 10), "王建国", "男", date(1979, 9, 3), "山马村", "山马村东路5号",
             Channel.CALL, "投诉", "反映山马村附近搅拌站夜间作业，噪音和粉尘扰民，要求整改。",
             "综合行政执法队", "金永强"),
    Featured("land", 21, (10, 30), "李秀英", "女", date(1962, 1, 20), "石坦村", "石坦村后垟路9号",
             Channel.LETTER, "信访事项",
             "来信反映石坦村2019年征地补偿款分配不公，本户少分一人份额，要求重新核算。",
             "信访办", "叶海东", registrar="demo-reception2"),
    Featured("charging", 16, (15, 40), "周顺利", "男", date(1984, 6, 8), "下湾村",
             "下湾村网格工作站", Channel.GRID, "安全隐患",
             "网格员巡查发现下湾村一出租房一楼违规设置电动车充电点，楼内住有二十余人，"
             "存在火灾隐患。",
             "应急管理（安全生产）", "倪建新"),
    Featured("vendors", 6, (8, 50), "陈美玲", "女", date(1990, 11, 15), "金港社区",
             "金港社区3幢502室", Channel.CALL, "投诉",
             "反映金港社区菜场门口流动摊贩占道经营，早高峰车辆通行困难，多次反映未解决。",
             "综合行政执法队", "卢海涛"),
    Featured("resettle", -1, (9, 30), "朱胜利", "男", date(1958, 3, 2), "洪家村", "洪家村老街14号",
             Channel.VISIT, "信访事项",
             "洪家村村民代表十余人反映旧村改造安置房分配顺序不公，要求公开分配方案和抽签过程。",
             "信访办", "蔡文辉", head_count=12),
    Featured("proxy", 3, (10, 15), "杨桂兰", "女", date(1947, 8, 28), "北岙村", "北岙村上岙12号",
             Channel.CALL, "求助",
             "老人腿脚不便，子女在外地务工，请求中心代办残疾人两项补贴和高龄津贴申请。",
             to_user="demo-reception2"),
    Featured("wages", 2, (9, 45), "吴志强", "男", date(1986, 5, 19), "塘下村", "塘下村工业区宿舍",
             Channel.VISIT, "矛盾纠纷",
             "在塘下村一家鞋厂务工半年，被拖欠工资1.8万元，老板以订单减少为由拒付。",
             to_user="demo-mediator"),
    Featured("lift", 5, (14, 20), "郑淑珍", "女", date(1973, 12, 1), "玉屏社区", "玉屏社区3幢201室",
             Channel.VISIT, "投诉",
             "玉屏社区3幢老旧住宅加装电梯，一楼住户反对施工，楼上老人出行困难，邻里矛盾激化。",
             "司法所", "黄丽", head_count=18),
    Featured("drinking", 6, (15, 5), "蒋小红", "女", date(1982, 7, 7), "东山村", "东山村中路33号",
             Channel.VISIT, "家事纠纷",
             "丈夫长期酗酒，家庭经济困难，与婆婆矛盾突出，请求家事调解。",
             to_user="demo-mediator2"),
    Featured("upward", 24, (14, 35), "何建平", "男", date(1975, 10, 9), "金港社区",
             "金港社区7幢303室", Channel.VISIT, "投诉",
             "反映金港社区7幢旁消防通道被开发商违章搭建占用，多次向物业反映未解决。"),
    Featured("petition", 40, (10, 10), "林玉梅", "女", date(1969, 3, 17), "石坦村",
             "石坦村后垟路21号", Channel.LETTER, "信访事项",
             "来信反映与邻户承包地界址争议，认为邻户多占本户承包地约半亩，要求重新确权。",
             "信访办", "叶海东", registrar="demo-reception2"),
    Featured("elderly", 1, (10, 20), "孙秀兰", "女", date(1955, 2, 14), "西山村", "西山村岭头8号",
             Channel.VISIT, "家事纠纷", "三个子女对赡养费用分摊意见不一，老人独居，生活缺乏照料。",
             to_user="demo-mediator2"),
]
# fmt: on


def _registered_at(f: Featured, today: date, cal: WorkCalendar) -> datetime:
    day = _leader_day(today, cal) if f.ago < 0 else _back(cal, today, f.ago)
    return datetime.combine(day, time(*f.hm))


def registration_times(today: date, cal: WorkCalendar) -> list[datetime]:
    """When the showcase matters came in (``generate_demo`` keeps their numbers)."""
    return [_registered_at(f, today, cal) for f in FEATURED]


@read_op
def missing(s: Session) -> bool:
    """The showcase has not been added to this database yet (and its staff are there)."""
    if s.scalar(select(func.count()).select_from(SupervisionOrder)) or s.scalar(
        select(func.count()).select_from(Post)
    ):
        return False
    return len(set(s.scalars(select(User.username).where(User.username.in_(STAFF))))) == len(STAFF)


@write_op(Change.MATTERS, Change.USERS)
def add_work(s: Session, today: date, numbers, folder: Path, *, seed: int) -> None:
    """Posts, leave, leader days, the showcase matters and their 督办/联动/陪访/代理/组团."""
    from app.services.reception import (
        arrangements,
        attachments,
        flow,
        intake,
        posts,
        supervision,
        work_rules,
    )

    if not missing(s):
        return
    rng = random.Random(seed * 7 + 1)
    cal = WorkCalendar.load(s)
    users = {u.username: u for u in s.scalars(select(User).where(User.username.in_(STAFF)))}
    act = {name: actor_for(u, "A") for name, u in users.items()}
    window, window2 = act["demo-reception"], act["demo-reception2"]
    director = act["demo-director"]
    units = {u.name: u.id for u in s.scalars(select(Unit))}
    cats = {c.name: c.id for c in s.scalars(select(Category))}
    villages = {v.name: v.id for v in s.scalars(select(Village))}

    def back(n: int, h: int = 9, m: int = 0) -> datetime:
        return datetime.combine(_back(cal, today, n), time(h, m))

    # AB岗, leave, leader reception days (set up by the director before all this).
    for name, a, b in POSTS:
        posts.set_post(s, director, name, users[a].id, users[b].id if b else None)
    for who, first, last, why in absences(today, cal):
        posts.add_absence(s, director, users[who].id, first, last, why)
    leader = users["demo-director"]
    for day in leader_days(today, cal):
        work_rules.schedule_leader_day(s, director, leader.id, day, LEADER_PLACE)

    # The showcase matters, registered at their times under their kept numbers.
    ids: dict[str, uuid.UUID] = {}
    for f in FEATURED:
        at = _registered_at(f, today, cal)
        phone = f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"
        visitor = intake.VisitorInput(
            f.name,
            id_number(rng, f.born, f.sex == "男"),
            phone,
            f.house,
            villages.get(f.village),
        )
        data = intake.IntakeInput(
            channel=f.channel,
            visitors=[visitor],
            category_id=cats[f.category],
            summary=f.summary,
            unit_id=units[f.unit] if f.unit else None,
            handler_name=f.handler,
            is_group=f.head_count is not None,
            head_count=f.head_count,
        )
        with numbers.at(s, at):
            ids[f.key] = intake.register_matter(s, act[f.registrar], data, at=at).id
        if f.to_user:
            user = users[f.to_user]
            flow.route(
                s,
                act[f.registrar],
                ids[f.key],
                user.unit_id,
                handler_user_id=user.id,
                at=at + timedelta(minutes=5),
            )

    def scan(name: str, kind: str, key: str, at: datetime) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / name
            source.write_bytes(scan_png(random.Random(f"{seed}-{name}"), kind))
            attachments.add_attachment(s, window, ids[key], source, folder, at=at)

    # 张淑芬: 遗属待遇 — done, 不满意, reopened by the director, done again, archived.
    widow = ids["widow"]
    flow.accept(s, window, widow, at=back(33, 9, 5))
    a = arrangements.arrange(
        s,
        window,
        widow,
        ArrangementKind.APPOINTMENT,
        back(31, 10),
        "人力社保所（到中心当面核对材料）",
        "林晓燕",
        recorded_at=back(33, 9, 10),
    )
    arrangements.record_outcome(
        s,
        window,
        a.id,
        "人力社保所邵春梅到中心核对材料，列出缺少的死亡医学证明原件和亲属关系证明，群众当场确认。",
        at=back(31, 11, 30),
    )
    flow.add_progress(
        s, window, widow, "群众已补齐材料，人力社保所受理遗属待遇申请。", at=back(30, 15)
    )
    flow.complete(s, window, widow, "遗属待遇已审批通过，首月待遇已发放到账。", at=back(28, 16))
    flow.feedback(
        s,
        window,
        widow,
        "电话",
        Satisfaction.DISSATISFIED,
        "群众反映丧葬补助金未一并发放，办理时间过长",
        at=back(27, 10),
    )
    flow.reopen(
        s, director, widow, "丧葬补助金尚未落实，重新交人力社保所办理。", at=back(26, 9, 30)
    )
    flow.add_progress(
        s, window, widow, "经核实，丧葬补助金因系统信息未同步未发放，已补录。", at=back(24, 14)
    )
    flow.complete(
        s,
        window,
        widow,
        "丧葬补助金已核发到账，并向群众解释了遗属待遇的计发办法。",
        at=back(20, 16),
    )
    flow.feedback(
        s,
        window,
        widow,
        "上门回访",
        Satisfaction.FAIRLY,
        "群众对补发结果认可，希望今后办理再快一些",
        at=back(19, 10),
    )
    flow.archive(s, window, widow, at=back(15, 17))

    # 王建国: 搅拌站 — done with a scanned re-inspection form, 满意, archived.
    mixing = ids["mixing"]
    flow.accept(s, window, mixing, at=back(25, 9, 30))
    flow.add_progress(
        s,
        window,
        mixing,
        "执法队员夜间到现场检查，搅拌站22时后仍在作业，已当场责令停止并制作询问笔录。",
        at=back(24, 22, 30),
    )
    scan("整改复查记录表.png", "form", "mixing", back(20, 15, 50))
    flow.complete(
        s,
        window,
        mixing,
        "搅拌站已加装围挡和喷淋降尘设施，承诺22时后停止作业；执法队连续三晚复查，未再发现夜间施工。",
        at=back(20, 16),
    )
    flow.feedback(s, window, mixing, "电话", Satisfaction.SATISFIED, at=back(19, 11))
    flow.archive(s, window, mixing, at=back(14, 17))

    # 李秀英: a letter (scanned), 督办 by the director, no reply yet and past its date.
    land = ids["land"]
    scan("来信扫描件.png", "letter", "land", back(21, 10, 45))
    flow.accept(s, window2, land, at=back(20, 9))
    flow.add_progress(
        s,
        window2,
        land,
        "已调取2019年征地补偿分配方案、村民代表会议记录和户籍资料，正在核对该户人口认定。",
        at=back(15, 15),
    )
    reply_by = _back(cal, today, 3)
    supervision.issue_order(
        s,
        director,
        land,
        units["信访办"],
        f"该件系群众多次来信反映的征地补偿问题，请于{_cn(reply_by)}前报送核查进展和答复意见。",
        reply_by,
        at=back(8, 10),
    )

    # 周顺利: overdue hidden danger, 督办, the unit's reply, done, 满意 (not archived yet).
    charging = ids["charging"]
    flow.accept(s, window, charging, at=back(15, 9))
    reply_by = _back(cal, today, 6)
    order = supervision.issue_order(
        s,
        director,
        charging,
        units["应急管理（安全生产）"],
        f"该隐患已超过办理期限仍未整改，请立即组织整改，于{_cn(reply_by)}前反馈整改情况。",
        reply_by,
        at=back(9, 9, 30),
    )
    supervision.record_reply(
        s,
        window,
        order.id,
        "已会同派出所、下湾村委现场检查，责令房东拆除违规充电点，限十日内另建集中充电棚。",
        at=back(7, 16),
    )
    flow.complete(
        s,
        window,
        charging,
        "集中充电棚已建成投用，室内违规充电点全部拆除，复查合格。",
        at=back(4, 15),
    )
    flow.feedback(s, window, charging, "电话", Satisfaction.SATISFIED, at=back(2, 10))

    # 陈美玲: in progress, 督办 open (reply due in a few days).
    vendors = ids["vendors"]
    flow.accept(s, window, vendors, at=back(5, 9))
    flow.add_progress(
        s,
        window,
        vendors,
        "执法队早高峰两次现场劝离，正与市场管理方商议在场内划定临时摊位。",
        at=back(3, 11),
    )
    reply_by = today + timedelta(days=3)
    supervision.issue_order(
        s,
        director,
        vendors,
        units["综合行政执法队"],
        f"该问题群众反映多次，请于{_cn(reply_by)}前拿出长效管理措施并书面反馈。",
        reply_by,
        at=back(1, 11),
    )

    # 朱胜利 and the villagers: received by the director on his reception day, escorted to
    # the city's petitions bureau.
    resettle = ids["resettle"]
    received = _registered_at(FEATURED[5], today, cal)
    work_rules.mark_received_by_leader(
        s, window, resettle, leader.id, at=received + timedelta(minutes=10)
    )
    day1 = datetime.combine(_ahead(cal, received.date(), 1), time(9))
    day3 = datetime.combine(_ahead(cal, received.date(), 3), time(9))
    flow.accept(s, window, resettle, at=day1)
    escort = arrangements.arrange(
        s,
        window,
        resettle,
        ArrangementKind.ESCORT,
        day3,
        "乐清市信访局",
        "王丽娜",
        recorded_at=day1 + timedelta(minutes=20),
    )
    arrangements.record_outcome(
        s,
        window2,
        escort.id,
        "已陪同村民代表到市信访局反映，市信访局已登记受理并出具受理告知书。",
        at=day3 + timedelta(hours=7),
    )
    flow.add_progress(
        s,
        window,
        resettle,
        "街道已责成洪家村公开安置房分配方案，定于下周召开村民代表会议公开抽签。",
        at=datetime.combine(_ahead(cal, received.date(), 4), time(16)),
    )
    # A few more people the director received on his reception days.
    mark_leader_matters(s, window, leader.id, today, cal, exclude=set(ids.values()))

    # 杨桂兰: 代理服务 by 王丽娜, promised within seven working days.
    proxy = ids["proxy"]
    flow.accept(s, window2, proxy, at=back(3, 10, 40))
    arrangements.arrange(
        s,
        window2,
        proxy,
        ArrangementKind.PROXY,
        back(2, 9),
        "王丽娜（中心代办员，向街道民政办代交申请材料）",
        "王丽娜",
        _ahead(cal, today, 7),
        recorded_at=back(3, 10, 45),
    )
    flow.add_progress(
        s,
        window2,
        proxy,
        "已上门核对身份证、残疾证和银行卡信息，代为填写申请表并递交民政办。",
        at=back(2, 11),
    )

    # 吴志强: 预约联动 this afternoon with the labour office and the justice office.
    wages = ids["wages"]
    mediator = act["demo-mediator"]
    flow.accept(s, mediator, wages, at=back(2, 11))
    arrangements.arrange(
        s,
        mediator,
        wages,
        ArrangementKind.APPOINTMENT,
        datetime.combine(today, time(14, 30)),
        "人力社保所、司法所、鞋厂负责人",
        "陈国平",
        recorded_at=back(1, 9, 30),
    )

    # 郑淑珍 and her neighbours: a 组团服务 team, a meeting of everyone on the next working day.
    lift = ids["lift"]
    flow.accept(s, window, lift, at=back(4, 9))
    work_rules.form_team(
        s,
        director,
        "玉屏社区加装电梯矛盾化解服务团",
        "网格员 钱晓红、司法所 黄丽、社区调委会 孔德明、律师 苏志远",
        matter_id=lift,
        at=back(4, 10),
    )
    arrangements.arrange(
        s,
        window,
        lift,
        ArrangementKind.APPOINTMENT,
        datetime.combine(_ahead(cal, today, 1), time(9, 30)),
        "玉屏社区居委会、县级住建部门、一楼及楼上住户代表",
        "林晓燕",
        recorded_at=back(4, 10, 5),
    )
    flow.add_progress(
        s,
        window,
        lift,
        "服务团入户走访一楼住户，了解其对采光、噪音和房屋价值的顾虑，整理成协调方案。",
        at=back(2, 16),
    )
    for name, members, village, ago in (
        (
            "石坦村矛盾纠纷排查化解服务团",
            "网格员 潘晓东、派出所 吴建军、司法所 黄丽、村调委会 石建平",
            "石坦村",
            60,
        ),
        (
            "金港社区平安巡防服务团",
            "网格员 钱晓红、派出所 潘立群、综合行政执法队 金永强、社区志愿者",
            "金港社区",
            40,
        ),
    ):
        if village in villages:
            work_rules.form_team(
                s, director, name, members, village_id=villages[village], at=back(ago, 15)
            )

    # 蒋小红: routed to 李志明 before his leave and accepted by him: now covered by his B.
    drinking = ids["drinking"]
    li = act["demo-mediator2"]
    flow.accept(s, li, drinking, at=back(5, 9))
    flow.add_progress(
        s, li, drinking, "已分别与夫妻双方电话沟通，约定下周来中心面谈。", at=back(4, 15)
    )
    # 孙秀兰 was routed to 李志明 on his first day of leave: it went to his B (flow.route).

    # The director supervises the two longest-overdue matters of the stationed units.
    overdue = s.execute(
        select(Matter.id, Matter.unit_id, Matter.deadline)
        .join(Unit, Unit.id == Matter.unit_id)
        .where(
            Matter.status.in_([MatterStatus.ROUTED, MatterStatus.IN_PROGRESS]),
            Matter.deadline < _back(cal, today, 1),
            Unit.kind == UnitKind.STATIONED,
            Matter.id.not_in(list(ids.values())),
        )
        .order_by(Matter.deadline, Matter.number)
        .limit(2)
    ).all()
    reply_by = today + timedelta(days=4)
    for mid, unit_id, deadline in overdue:
        supervision.issue_order(
            s,
            director,
            mid,
            unit_id,
            f"该事项已超过办理期限（{_cn(deadline)}），请于{_cn(reply_by)}前办结并书面反馈；"
            "确有困难的，说明原因和计划办结时间。",
            reply_by,
            at=back(1, 10, 30),
        )
    demo_procedures.add_procedures(s, ids, director, back, scan)


@write_op(Change.MATTERS)
def mark_leader_matters(
    s: Session,
    actor: Actor,
    leader_id: uuid.UUID,
    today: date,
    cal: WorkCalendar,
    *,
    exclude: set[uuid.UUID],
) -> None:
    """Visits on past reception mornings about petitions and disputes: received by the leader."""
    from app.services.reception import work_rules

    wanted = list(
        s.scalars(select(Category.id).where(Category.name.in_(["信访事项", "矛盾纠纷", "投诉"])))
    )
    found: list[tuple[uuid.UUID, datetime]] = []
    for day in leader_days(today, cal):
        if day >= today or len(found) >= 3:
            continue
        morning = datetime.combine(day, time(8, 30))
        found += s.execute(
            select(Matter.id, Matter.received_at)
            .where(
                Matter.received_at >= morning,
                Matter.received_at < morning + timedelta(hours=3),
                Matter.channel == Channel.VISIT,
                Matter.category_id.in_(wanted),
                Matter.status != MatterStatus.ARCHIVED,
                Matter.leader_id.is_(None),
            )
            .order_by(Matter.received_at)
            .limit(1)
        ).all()
    for mid, received in found[:3]:
        if mid not in exclude:
            work_rules.mark_received_by_leader(
                s, actor, mid, leader_id, at=received + timedelta(minutes=15)
            )


# --- a scanned page -----------------------------------------------------------------------

PAPER, INK, RED, RULE = (250, 249, 243), (52, 55, 70), (205, 40, 45), (120, 120, 130)


def scan_png(rng: random.Random, kind: str, width: int = 600, height: int = 848) -> bytes:
    """A page as a scanner gives it (a handwritten letter, or a filled-in form with a red seal):
    strokes for characters, so it looks like a document without being anyone's."""
    page = [bytearray(bytes(PAPER) * width) for _ in range(height)]

    def span(y: int, x0: int, x1: int, color) -> None:
        if 0 <= y < height:
            x0, x1 = max(0, x0), min(width, x1)
            if x1 > x0:
                page[y][x0 * 3 : x1 * 3] = bytes(color) * (x1 - x0)

    def box(x0: int, y0: int, x1: int, y1: int, color) -> None:
        for y in range(y0, y1):
            span(y, x0, x1, color)

    def glyph(x: int, y: int, size: int) -> None:
        for _ in range(rng.randrange(2, 5)):
            if rng.random() < 0.5:
                yy = y + rng.randrange(size)
                box(
                    x + rng.randrange(size // 3),
                    yy,
                    x + size - rng.randrange(size // 3),
                    yy + 2,
                    INK,
                )
            else:
                xx = x + rng.randrange(size)
                box(
                    xx,
                    y + rng.randrange(size // 3),
                    xx + 2,
                    y + size - rng.randrange(size // 4),
                    INK,
                )

    def text_line(x0: int, x1: int, y: int, size: int = 15) -> None:
        x = x0
        while x + size <= x1:
            glyph(x, y, size)
            x += size + 4
            if rng.random() < 0.08:  # punctuation
                x += size // 2

    def seal(cx: int, cy: int, r: int) -> None:
        for dy in range(-r, r + 1):
            outer = int((r * r - dy * dy) ** 0.5)
            inner2 = (r - 5) ** 2 - dy * dy
            inner = int(inner2**0.5) if inner2 > 0 else -1
            if inner < 0:
                span(cy + dy, cx - outer, cx + outer, RED)
            else:
                span(cy + dy, cx - outer, cx - inner, RED)
                span(cy + dy, cx + inner, cx + outer, RED)
        box(cx - 9, cy - 9, cx + 9, cy + 9, RED)  # the star, roughly

    if kind == "letter":
        text_line(width // 2 - 60, width // 2 + 60, 60, 22)  # title
        y = 120
        for _paragraph in range(4):
            for i in range(rng.randrange(3, 6)):
                text_line(100 if i == 0 else 60, width - 60 - rng.randrange(0, 40), y)
                y += 32
            y += 10
        text_line(width - 200, width - 80, y + 30)  # 来信人
        text_line(width - 220, width - 80, y + 64)  # date
    else:
        text_line(width // 2 - 110, width // 2 + 110, 50, 20)
        rows, top, left, right = 11, 110, 50, width - 50
        for r in range(rows + 1):
            box(left, top + r * 48, right, top + r * 48 + 2, RULE)
        for x in (left, left + 120, right - 2):
            box(x, top, x + 2, top + rows * 48 + 2, RULE)
        for r in range(rows):
            text_line(left + 14, left + 100, top + r * 48 + 16)
            text_line(left + 134, right - 20 - rng.randrange(0, 200), top + r * 48 + 16)
        seal(right - 110, top + rows * 48 + 90, 56)
        text_line(right - 240, right - 130, top + rows * 48 + 150)

    raw = b"".join(b"\x00" + bytes(row) for row in page)

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


# --- registers -----------------------------------------------------------------------------

# fmt: off
_MIGRANTS = [
    # name, sex, born, home county code, origin, village, address, employer,
    # days here, left days ago, note
    ("杨光明", "男", date(1988, 3, 14), "520502", "贵州省毕节市七星关区", "白石村",
     "白石村工业路18号", "乐清市白石某某电气有限公司", 400, None, ""),
    ("罗春燕", "女", date(1992, 10, 2), "511621", "四川省广安市岳池县", "金港社区",
     "金港社区7幢103室", "白石农贸市场（个体摊位）", 210, None, ""),
    ("刘德胜", "男", date(1975, 6, 30), "362425", "江西省吉安市永丰县", "山马村",
     "山马村西路22号", "乐清市某某鞋业有限公司", 900, None, ""),
    ("田小红", "女", date(1999, 1, 9), "430524", "湖南省邵阳市隆回县", "玉屏社区",
     "玉屏社区11幢402室", "白石街道某某奶茶店", 60, None, "居住证办理中"),
    ("马建军", "男", date(1983, 12, 21), "411524", "河南省信阳市商城县", "塘下村",
     "塘下村工业区宿舍3号楼", "乐清市某某五金制品有限公司", 500, 30, "已返乡，房东报告"),
    ("韦秀兰", "女", date(1986, 8, 17), "451228", "广西壮族自治区河池市都安瑶族自治县",
     "下湾村", "下湾村南路6号", "下湾村某某服装加工点", 150, None, ""),
]
_SPECIAL = [
    # name, sex, born, category, village, risk, helper, unit, listed and last visited days
    # ago, measures, released days ago
    ("施建伟", "男", date(1985, 5, 3), "社区矫正", "白石村", "中", "司法所 徐慧敏", "司法所",
     200, 12, "每月到司法所报到，每周电话核查，参加公益活动和教育学习。", None),
    ("卢海波", "男", date(1979, 9, 26), "刑满释放", "中雁村", "低", "村治保主任 胡立新", "司法所",
     300, 25, "安置帮教：协助办理就业登记，已在村内企业就业。", None),
    ("戴志勇", "男", date(1990, 2, 11), "吸毒人员", "金港社区", "中", "禁毒社工 钱晓红", "禁毒办",
     420, 8, "社区康复，每月尿检，社工定期走访，家属协助监督。", None),
    ("韩秀珍", "女", date(1968, 11, 4), "严重精神障碍患者", "北岙村", "高",
     "村医 杨建华、民警 吴建军", "派出所",
     700, 5, "监护人落实看护责任，按时服药；每两周随访一次，发现异常及时送诊。", None),
    ("邱国强", "男", date(1972, 7, 19), "社区矫正", "洪家村", "低", "司法所 黄丽", "司法所",
     500, 45, "矫正期间表现良好。", 40),
]
_SAFETY = [
    # kind, name, village, leading unit, status, assessed days ago, note
    ("平安村", "白石村", "白石村", "派出所", "已达标", 60, "全年无刑事案件和重大矛盾纠纷"),
    ("平安村", "中雁村", "中雁村", "派出所", "创建中", None, "正在补装村级监控盲区摄像头"),
    ("平安家庭", "石坦村胡德明家庭", "石坦村", "司法所", "已达标", 45, ""),
    ("平安单位", "白石街道中心小学", "白石社区", "派出所", "已达标", 90, "校园周边护学岗常态化"),
    ("平安企业", "乐清市某某电气有限公司", "塘下村", "应急管理（安全生产）", "创建中", None,
     "消防设施已更新，待复评"),
    ("平安市场", "白石农贸市场", "金港社区", "综合行政执法队", "未达标", 20,
     "消防通道堵塞，限期一个月整改后复评"),
]
# fmt: on


@write_op(Change.REGISTERS)
def add_registers(s: Session, today: date, *, seed: int) -> None:
    """A handful of records in each register, typed as in its form (each only while empty)."""
    from app.services.command import registers

    recorder = s.scalar(select(User).where(User.username == "demo-reception"))
    if recorder is None:
        return
    actor = actor_for(recorder, "A")
    rng = random.Random(seed * 7 + 2)

    def ago(days: int | None) -> date | None:
        return None if days is None else today - timedelta(days=days)

    if not s.scalar(select(func.count()).select_from(Migrant)):
        for (
            name,
            sex,
            born,
            area,
            origin,
            village,
            address,
            employer,
            here,
            left,
            note,
        ) in _MIGRANTS:
            registers.add_record(
                s,
                actor,
                "migrants",
                {
                    "name": name,
                    "id_number": _area_id(rng, area, born, sex == "男"),
                    "phone": f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}",
                    "origin": origin,
                    "village_id": village,
                    "address": address,
                    "employer": employer,
                    "arrived_on": ago(here),
                    "permit_no": ""
                    if note
                    else f"330382{today.year - 1}{rng.randrange(10**5, 10**6)}",
                    "left_on": ago(left),
                    "unit_id": "流动人口服务管理站",
                    "note": note,
                },
            )
    if not s.scalar(select(func.count()).select_from(SpecialPerson)):
        for row in _SPECIAL:
            name, sex, born, category, village, risk, helper, unit = row[:8]
            listed, visited, measures, released = row[8:]
            registers.add_record(
                s,
                actor,
                "special",
                {
                    "name": name,
                    "id_number": id_number(rng, born, sex == "男"),
                    "phone": f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}",
                    "category": category,
                    "village_id": village,
                    "address": f"{village}{rng.randrange(1, 120)}号",
                    "risk_level": risk,
                    "helper": helper,
                    "unit_id": unit,
                    "listed_on": ago(listed),
                    "last_visit_on": ago(visited),
                    "measures": measures,
                    "released_on": ago(released),
                    "note": "矫正期满，依法解除社区矫正" if released else "",
                },
            )
    if not s.scalar(select(func.count()).select_from(SafetyCreation)):
        for kind, name, village, unit, status, assessed, note in _SAFETY:
            registers.add_record(
                s,
                actor,
                "safety",
                {
                    "kind": kind,
                    "name": name,
                    "village_id": village,
                    "unit_id": unit,
                    "year": today.year,
                    "status": status,
                    "assessed_on": ago(assessed),
                    "note": note,
                },
            )
    _more_registers(s, actor, today, rng)


# fmt: off
_YOUTH = [
    # name, sex, age, category, village, guardian, school status, school, helper, unit,
    # listed days ago, measures, released days ago
    ("陈宇航", "男", 16, "闲散青少年", "白石村", "陈建国", "辍学", "", "团工委 林晓燕",
     "司法所", 200, "联系职业学校，推荐参加汽修技能培训", None),
    ("黄梓萱", "女", 15, "农村留守儿童", "山马村", "黄桂兰（祖母）", "在校", "白石街道中学",
     "妇联 周静", None, 400, "每月家访，心理辅导老师结对", None),
    ("刘浩然", "男", 17, "不良行为青少年", "玉屏社区", "刘志红", "在校", "乐清市职业中专",
     "派出所 吴建军", "派出所", 120, "签订帮教协议，每周与学校沟通在校表现", None),
    ("何俊杰", "男", 17, "社区矫正青少年", "塘下村", "何永强", "无业", "", "司法所 潘立群",
     "司法所", 300, "矫正期间每月报到，参加公益活动", 20),
    ("罗欣怡", "女", 14, "服刑人员未成年子女", "下湾村", "罗秀英（姑母）", "在校",
     "白石街道中心小学", "民政办 王丽娜", None, 500, "申请困境儿童生活补贴，学校资助", None),
]
_CAMPUS = [
    # school, kind, village, contact, unit, days ago, items, problems, status, rectify,
    # rectified days ago
    ("白石街道中心小学", "小学", "白石社区", "王校长", "派出所", 40,
     "护校岗、封闭管理、一键报警、周边交通", "", "无需整改", "", None),
    ("白石街道中学", "初中", "白石村", "郑副校长", "综合行政执法队", 25,
     "校门口周边摊贩、网吧、文身店排查", "校门口早晚有流动摊贩占道", "已整改",
     "执法队每天上下学时段巡查，设置护学岗", 10),
    ("中雁村幼儿园", "幼儿园", "中雁村", "李园长", "派出所", 12,
     "安保人员配备、食堂食品安全、消防通道", "消防通道堆放杂物，一名保安超龄", "整改中",
     "限期一周清理通道，聘请符合条件的保安", None),
    ("金港阳光培训学校", "校外培训机构", "金港社区", "张经理", "应急管理（安全生产）", 5,
     "办学资质、消防设施、疏散通道", "灭火器过期 3 具", "整改中", "已通知更换，下周复查", None),
]
_LINES = [
    # line, kind, section, village, leader, unit, days ago, status, risks, handling
    ("甬台温铁路", "铁路", "K198+200至K201+600", "石坦村", "胡德明", "派出所", 6, "无需整改",
     "", "护路联防队每周巡查两次"),
    ("甬台温铁路", "铁路", "K201+600至K204+000", "下湾村", "邵立新", "派出所", 9, "整改中",
     "桥下违规堆放废旧塑料，有火灾隐患", "已通知村委会组织清理"),
    ("G15沈海高速", "公路", "白石互通至北岙隧道", "北岙村", "曾国强", "综合行政执法队", 15,
     "已整改", "护栏外有人放牧", "已劝离，村里张贴安全告示"),
    ("110kV白港线", "电力线路", "12号至18号塔", "塘下村", "潘海燕", "应急管理（安全生产）", 20,
     "无需整改", "", "线路保护区内无违章建筑和树障"),
]
_DRUGS = [
    # name, sex, born year, category, status, village, helper, unit, started days ago,
    # ends days ahead (None: open), last test days ago, result
    ("邹某军", "男", 1988, "社区康复", "在管", "东山村", "派出所 吴建军", "派出所", 500, 595,
     15, "阴性"),
    ("戴某峰", "男", 1992, "社区戒毒", "在管", "金港社区", "司法所 潘立群", "派出所", 200, 895,
     8, "阴性"),
    ("万某丽", "女", 1990, "戒断三年未复吸", "在管", "白石社区", "禁毒社工 陈晓", "派出所",
     1400, None, 90, "阴性"),
    ("覃某", "男", 1985, "社区戒毒", "失联", "新联村", "派出所 潘立群", "派出所", 150, 945,
     70, None),
]
# fmt: on
_AID_TYPES = ["临时救助", "医疗救助", "临时救助", "教育救助", "住房救助", "低保"]
_AID_AMOUNTS = ["1500", "3000", "800", "2000", "5000", "650"]
_APPROVERS = [
    "白石街道办事处",
    "乐清市民政局",
    "白石街道办事处",
    "乐清市教育局",
    "乐清市住房和城乡建设局",
    "乐清市民政局",
]


def _more_registers(s: Session, actor: Actor, today: date, rng: random.Random) -> None:
    """重点青少年, 校园及周边, 护路护线, 禁毒 and 社会救助 (each only while empty)."""
    from app.models import AidRecord, CampusCheck, DrugCase, KeyYouth, LinePatrol, MatterPerson
    from app.services.command import aid, registers

    def ago(days: int | None) -> date | None:
        return None if days is None else today - timedelta(days=days)

    def phone() -> str:
        return f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"

    if not s.scalar(select(func.count()).select_from(KeyYouth)):
        for row in _YOUTH:
            name, sex, age, category, village, guardian, status, school, helper, unit = row[:10]
            listed, measures, released = row[10:]
            born = date(today.year - age, rng.randrange(1, 13), rng.randrange(1, 28))
            registers.add_record(s, actor, "youth", {
                "name": name, "id_number": id_number(rng, born, sex == "男"),
                "category": category, "village_id": village,
                "address": f"{village}{rng.randrange(1, 120)}号", "guardian": guardian,
                "guardian_phone": phone(), "school_status": status, "school": school,
                "helper": helper, "unit_id": unit, "listed_on": ago(listed),
                "released_on": ago(released), "measures": measures,
            })  # fmt: skip
    if not s.scalar(select(func.count()).select_from(CampusCheck)):
        for (
            school,
            kind,
            village,
            contact,
            unit,
            days,
            items,
            problems,
            status,
            fix,
            done,
        ) in _CAMPUS:
            registers.add_record(s, actor, "campus", {
                "school": school, "school_kind": kind, "village_id": village,
                "contact": contact, "contact_phone": phone(), "unit_id": unit,
                "inspected_on": ago(days), "items": items, "problems": problems,
                "rectify_status": status, "rectify": fix, "rectified_on": ago(done),
            })  # fmt: skip
    if not s.scalar(select(func.count()).select_from(LinePatrol)):
        for line, kind, section, village, leader, unit, days, status, risks, handling in _LINES:
            registers.add_record(s, actor, "lines", {
                "line": line, "line_kind": kind, "section": section, "village_id": village,
                "leader": leader, "leader_phone": phone(), "unit_id": unit,
                "patrolled_on": ago(days), "rectify_status": status, "risk_points": risks,
                "handling": handling,
            })  # fmt: skip
    if not s.scalar(select(func.count()).select_from(DrugCase)):
        for row in _DRUGS:
            name, sex, year, category, status, village, helper, unit, started, ends = row[:10]
            tested, result = row[10:]
            born = date(year, rng.randrange(1, 13), rng.randrange(1, 28))
            registers.add_record(s, actor, "drugs", {
                "name": name, "id_number": id_number(rng, born, sex == "男"), "phone": phone(),
                "category": category, "status": status, "village_id": village,
                "address": f"{village}{rng.randrange(1, 120)}号", "helper": helper,
                "unit_id": unit, "started_on": ago(started),
                "ends_on": None if ends is None else today + timedelta(days=ends),
                "last_test_on": ago(tested), "test_result": result,
                "measures": "每月尿检一次，帮教人每月谈话",
            })  # fmt: skip
    if s.scalar(select(func.count()).select_from(AidRecord)):
        return
    # Aid made from some 求助 matters of the last months, then two entered on their own.
    helps = s.scalars(
        select(Matter)
        .join(Category, Category.id == Matter.category_id)
        .where(Category.name == "求助", Matter.persons.any(MatterPerson.position == 0))
        .where(Matter.received_at >= datetime.combine(today - timedelta(days=150), time()))
        .order_by(Matter.received_at)
        .limit(4)
    ).all()
    villages = [v.name for v in s.scalars(select(Village).order_by(Village.name))]
    for i, m in enumerate(helps):
        values = aid.aid_defaults(s, actor, m.id)
        if not values.get("id_number"):
            values["id_number"] = id_number(rng, date(1960 + i * 7, 3, 12), i % 2 == 0)
        values.setdefault("village_id", rng.choice(villages))
        approved = min(m.received_at.date() + timedelta(days=5 + i), today)
        aid.add_for_matter(s, actor, m.id, dict(
            values, aid_type=_AID_TYPES[i], amount=_AID_AMOUNTS[i], approver=_APPROVERS[i],
            approved_on=approved,
        ))  # fmt: skip
    for i in (4, 5):
        registers.add_record(s, actor, "aid", {
            "aid_type": _AID_TYPES[i], "name": ["叶春梅", "苏德明"][i - 4],
            "id_number": id_number(rng, date(1950 + i * 3, 6, 1), i == 5),
            "village_id": ["西山村", "龙泉村"][i - 4], "amount": _AID_AMOUNTS[i],
            "approver": _APPROVERS[i], "approved_on": ago(20 * i),
            "note": "因房屋受损申请" if i == 4 else "经入户调查，纳入低保",
        })  # fmt: skip


def _area_id(rng: random.Random, area: str, born: date, male: bool) -> str:
    """An ID number from ``area`` (the person's home county), valid check digit."""

    return _fix_check(area + id_number(rng, born, male)[6:17])


def _fix_check(first17: str) -> str:
    from app.services.validation import id_check_digit

    return first17 + id_check_digit(first17)


# --- meetings ------------------------------------------------------------------------------

_ITEMS = [
    ("上周受理和办理情况通报", "接待窗口通报上周受理情况，各派驻单位逐件通报在办事项进展。"),
    ("超期和即将到期事项梳理", "对超期未办结事项逐件分析原因，明确责任人和办结时限。"),
    ("重点矛盾纠纷研判", "司法所、派出所就近期邻里纠纷、劳资纠纷的苗头性问题进行研判。"),
    ("信访事项化解进展", "信访办通报重点信访事项化解进展，讨论下一步措施。"),
    ("安全隐患排查整改", "应急管理通报出租房电动车充电、老旧房屋等隐患的整改情况。"),
]
# fmt: off
_DECISIONS = [
    # content, responsible, days to do it, result when done
    ("对超期未办结事项逐件督办，周五前反馈进展", "各承办单位", 4,
     "超期事项已逐件反馈进展，其中多数已办结。"),
    ("对反映集中的夜间施工噪音开展联合整治", "综合行政执法队", 10,
     "联合整治已开展，对三家工地下达整改通知，夜间施工投诉明显减少。"),
    ("对辖区出租房电动车违规充电开展专项排查", "应急管理（安全生产）、派出所", 14,
     "排查出租房一百余户，整改违规充电点二十余处。"),
    ("对重复来访群众逐一建立化解台账，落实包案领导", "信访办", 7,
     "已建立重复来访化解台账，每件落实包案领导和责任人。"),
    ("对劳资纠纷高发企业上门走访，提前介入欠薪苗头", "人力社保所", 10,
     "走访企业十二家，督促两家企业补发工资。"),
    ("组织各村调委会主任开展人民调解业务培训", "司法所", 21,
     "培训已举办，各村调委会主任参加。"),
    ("加强对严重精神障碍患者的走访和服药管理", "派出所、各村（社区）", 14,
     "在册患者已全部走访，服药情况登记在册。"),
    ("完善接待窗口预约联动流程，明确各单位联络人", "综治中心", 7,
     "各单位联络人名单已更新并张贴在接待窗口。"),
    ("开展年底欠薪矛盾专项排查，建立重点企业清单", "人力社保所、司法所", 14,
     "排查企业三十余家，列出重点关注企业五家，已逐一约谈。"),
    ("各村（社区）网格员对独居老人开展一次走访", "各村（社区）", 10,
     "网格员已走访全部在册独居老人，登记需求并转办。"),
]
_DISPATCH_DECISIONS = [
    ("责成洪家村一周内公开安置房分配方案", "洪家村、信访办", 5,
     "分配方案已在村务公开栏和村民微信群公开。"),
    ("召开村民代表会议公开抽签，全程录像", "洪家村、司法所", 12, ""),
]
# fmt: on
_WEEKLY_PEOPLE = [
    ("陈国平", "矛盾纠纷调解室"),
    ("林晓燕", "群众接待窗口"),
    ("吴建军", "派出所"),
    ("黄丽", "司法所"),
    ("叶海东", "信访办"),
    ("金永强", "综合行政执法队"),
]
_AWAY = [
    ("叶海东", "到市里参加培训"),
    ("金永强", "执行夜间整治任务"),
    ("黄丽", "下村调解"),
]
_JOINT_MORE = [
    ("邵春梅", "人力社保所"),
    ("倪建新", "应急管理（安全生产）"),
    ("潘丽君", "禁毒办"),
    ("戴晓峰", "流动人口服务管理站"),
    ("周静", "暖心工作室"),
    ("胡立新", "中雁村"),
    ("石建平", "石坦村"),
]


def meeting_plan(today: date, cal: WorkCalendar) -> list[tuple[MeetingKind, datetime]]:
    """Weekly meetings on each week's first working day (none in a holiday week, and one week
    missed); a joint meeting on the last Friday of each month; all up to today."""
    plan = []
    monday = today - timedelta(days=today.weekday())
    for w in range(13, -1, -1):
        week = monday - timedelta(weeks=w)
        days = [
            week + timedelta(days=i)
            for i in range(5)
            if cal.is_working_day(week + timedelta(days=i))
        ]
        if len(days) < 3 or w == 6:  # a holiday week; and the week the director was away
            continue
        plan.append((MeetingKind.WEEKLY, datetime.combine(days[0], time(8, 30))))
    first = (today - timedelta(weeks=13)).replace(day=1)
    while first <= today:
        nxt = (first + timedelta(days=32)).replace(day=1)
        friday = nxt - timedelta(days=1)
        while friday.weekday() != 4 or not cal.is_working_day(friday):
            friday -= timedelta(days=1)
        plan.append((MeetingKind.JOINT, datetime.combine(friday, time(14, 30))))
        first = nxt
    return sorted(((k, at) for k, at in plan if at.date() <= today), key=lambda p: p[1])


@write_op(Change.MEETINGS)
def add_meetings(s: Session, today: date, *, seed: int) -> None:
    """Weekly and joint meetings, one 调度会 (once per database), numbered in the order held."""
    from app.services.meetings import meetings

    if s.scalar(select(func.count()).select_from(Meeting)):
        return
    director = s.scalar(select(User).where(User.username == "demo-director"))
    recorder = s.scalar(select(User).where(User.username == "demo-reception"))
    if director is None or recorder is None:
        return
    chair, rec = actor_for(director), actor_for(recorder)
    cal = WorkCalendar.load(s)
    rng = random.Random(seed * 7 + 3)
    plan = [(at, kind) for kind, at in meeting_plan(today, cal)]
    resettle = _leader_day(today, cal)
    plan.append((datetime.combine(_ahead(cal, resettle, 2), time(15)), MeetingKind.DISPATCH))
    plan.sort()
    this_week = today - timedelta(days=today.weekday())
    issued, weekly = [], 0
    for n, (at, kind) in enumerate(plan):
        day = at.date()
        people = [meetings.AttendeeInput(director.display_name, "综治中心")]
        away = _AWAY[n % len(_AWAY)]
        for name, unit in _WEEKLY_PEOPLE + (_JOINT_MORE if kind == MeetingKind.JOINT else []):
            if name == away[0]:
                people.append(meetings.AttendeeInput(name, unit, AttendanceKind.ABSENT, away[1]))
            else:
                people.append(meetings.AttendeeInput(name, unit))
        if kind == MeetingKind.JOINT:
            people.append(meetings.AttendeeInput("赵敏", "妇联", AttendanceKind.OBSERVER))
        if kind == MeetingKind.DISPATCH:
            since = day - timedelta(days=7)
            items = [
                meetings.ItemInput(
                    "洪家村旧村改造安置房分配信访事项",
                    "信访办通报村民代表到中心集体反映的情况；街道领导、洪家村两委和信访办"
                    "研究公开分配方案和抽签办法。",
                )
            ]
            chosen = _DISPATCH_DECISIONS
            title = "洪家村安置房分配信访事项化解调度会"
        else:
            since = day - timedelta(days=7 if kind == MeetingKind.WEEKLY else 30)
            count = 3 if kind == MeetingKind.JOINT else rng.randrange(1, 3)
            items = [meetings.ItemInput(*_ITEMS[(n + i) % len(_ITEMS)]) for i in range(count)]
            chosen = rng.sample(_DECISIONS, count)
            title = ""
        decisions = [
            meetings.DecisionInput(content, who, day + timedelta(days=days))
            for content, who, days, _result in chosen
        ]
        figures = meetings.figures_draft(s, rec, since, day, today=day).as_text()
        ref = meetings.create_meeting(
            s,
            rec,
            meetings.MeetingInput(
                kind=kind,
                starts_at=at,
                place="中心三楼会议室",
                chair=director.display_name,
                recorder=recorder.display_name,
                title=title,
                situation=figures.replace(
                    "（请记录人根据会议讨论填写）",
                    rng.choice(
                        [
                            "邻里纠纷和噪音扰民较集中，需提前介入。",
                            "劳资纠纷有所上升，年底欠薪风险需重点关注。",
                            "信访总量平稳，重复来访集中在征地补偿和安置问题。",
                            "安全隐患以出租房电动车充电为主，需持续整治。",
                        ]
                    ),
                ),
                distribution="各派驻单位，各村（社区）",
                attendees=people,
                items=items,
                decisions=decisions,
            ),
        )
        if day >= this_week:
            continue  # this week's minutes are still being written up
        meetings.issue_minutes(s, chair, ref.id, at=at + timedelta(hours=5))
        weekly += kind == MeetingKind.WEEKLY
        if kind == MeetingKind.WEEKLY and weekly == 3:
            # These minutes were corrected the next day: 吴建军 had been away.
            data = meetings.meeting_input(s, rec, ref.id)
            ref = meetings.correct_minutes(s, rec, ref.id)
            for a in data.attendees:
                if a.name == "吴建军":
                    a.attendance, a.reason = AttendanceKind.ABSENT, "执行安保任务"
            meetings.save_meeting(s, rec, ref.id, data)
            fixed = datetime.combine(_ahead(cal, day, 1), time(10))
            meetings.issue_minutes(s, chair, ref.id, at=fixed)
        issued.append((ref, chosen, day))
    # Decisions: the older ones done by their date, of the recent ones some late, some open.
    for ref, chosen, day in issued:
        rows = s.scalars(
            select(Decision).where(Decision.meeting_id == ref.id).order_by(Decision.position)
        ).all()
        for d, (_content, _who, days, result) in zip(rows, chosen, strict=True):
            finished = day + timedelta(days=days - rng.randrange(0, 3))
            old = d.deadline < today - timedelta(days=21)
            if result and finished < today and (old or rng.random() < 0.6):
                meetings.close_decision(
                    s, rec, d.id, result, at=datetime.combine(finished, time(16, 30))
                )
