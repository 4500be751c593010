"""Demo 考核评价: the villages' population, the last complete quarter's scheme with that
quarter closed (a few 加分/扣分 items first), this year's scheme with its quarter open, and some
教育培训 sessions. Made through the services from the demo's matters, meetings and orders."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.ops import Change, write_op
from app.models import AssessmentScheme, Unit, UnitKind, User, Village
from app.services.command import assessment
from app.services.security.auth import actor_for

TRAININGS = (
    ("新时代“枫桥经验”与矛盾纠纷多元化解", "区委政法委 陈科长", 3.0),
    ("人民调解文书规范", "司法所 林所长", 2.0),
    ("信访工作条例解读", "区信访局 王主任", 2.5),
    ("心理危机识别与转介", "暖心工作室 黄老师", 1.5),
)
ITEMS = (
    ("unit", 0, "bonus", 3.0, "协助化解一起重大群体性纠纷，获区委政法委通报表扬"),
    ("unit", 1, "deduction", -2.0, "联席会议议定事项逾期未办结"),
    ("village", 0, "bonus", 5.0, "创成市级平安村"),
    ("village", 1, "deduction", -3.0, "网格员信息上报不及时，被督查通报"),
)


def missing(s: Session) -> bool:
    return not s.scalar(select(func.count()).select_from(AssessmentScheme))


def _last_quarter(today: date) -> tuple[int, int]:
    q = (today.month - 1) // 3
    return (today.year - 1, 4) if q == 0 else (today.year, q)


@write_op(Change.ASSESSMENT, Change.REFERENCE)
def add_assessment(s: Session, today: date, *, seed: int = 2026) -> None:
    if not missing(s):
        return
    rng = random.Random(seed)
    director = actor_for(s.scalar(select(User).where(User.username == "demo-director")))
    for v in s.scalars(select(Village).order_by(Village.sort, Village.name)):
        if v.population is None:
            v.population = rng.randrange(1800, 9000, 10)
    units = list(
        s.scalars(
            select(Unit).where(Unit.kind == UnitKind.STATIONED, Unit.active.is_(True))
            .order_by(Unit.sort, Unit.name)
        )
    )  # fmt: skip
    year, quarter = _last_quarter(today)
    first = date(year, 3 * quarter - 2, 1)
    for k, (topic, trainer, hours) in enumerate(TRAININGS):
        day = first + timedelta(days=12 + 21 * k)
        if day > today:
            break
        people = rng.sample(units, k=min(len(units), rng.randint(3, 6)))
        attendees = [(f"{u.short_name or u.name}干部", u.id) for u in people]
        assessment.record_training(
            s, director, assessment.TrainingInput(day, topic, trainer, hours, attendees)
        )
    scheme = assessment.create_scheme(s, director, year)
    period = assessment.open_period(s, director, scheme, f"{year}Q{quarter}")
    for kind, index, code, points, reason in ITEMS:
        targets = assessment.targets(s, director, kind)
        if index < len(targets):
            assessment.add_item(
                s, director,
                assessment.ItemInput(period, kind, targets[index].id, code, points, reason),
            )  # fmt: skip
    assessment.close_period(s, director, period)
    if today.year != year:
        scheme = assessment.create_scheme(s, director, today.year)
    assessment.open_period(s, director, scheme, f"{today.year}Q{(today.month - 1) // 3 + 1}")
