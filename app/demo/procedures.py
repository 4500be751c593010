"""Demo 上下联动 and the 信访 procedure, on two showcase matters (``work.FEATURED``):

- 何建平's complaint sent up to 县住房和城乡建设局 (转上级/移送); the bureau's answer came back
  with its reply scanned, the result was told to him (结果反馈).
- 林玉梅's 信访 letter: accepted and forwarded (受理告知书), paused while she brought the
  missing contract (暂停计时), extended once (延期办理告知书), answered (处理意见书), then
  a 复查 asked of 县信访局 and its 复查意见 given (复查意见书).

Made through the services, each step with the program's clock stopped at its back-dated time
(so the services' "not after today" checks hold whenever the demo is made)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.core import clock
from app.core.ops import Change, write_op
from app.models import Matter, Satisfaction
from app.services.context import Actor
from app.services.reception import flow, petitions


@write_op(Change.MATTERS)
def add_procedures(
    s: Session,
    ids: dict[str, uuid.UUID],
    director: Actor,
    back: Callable[..., datetime],
    scan: Callable[[str, str, str, datetime], None],
) -> None:
    # 上下联动: sent up, the answer recorded with the bureau's reply, told to the person.
    up = ids["upward"]
    with clock.frozen_at(t := back(24, 15, 10)):
        flow.transfer(
            s,
            director,
            up,
            "县住房和城乡建设局",
            "来访登记表、现场照片3张（小区消防通道被违章搭建占用，属住建部门职责）",
            at=t,
        )
    with clock.frozen_at(t := back(10, 14, 0)):
        flow.record_upper_result(
            s,
            director,
            up,
            t.date(),
            "县住建局已责令开发商于15日内拆除消防通道上的违章搭建，并由物业公司落实日常巡查。",
            at=t,
        )
        scan("县住建局回复函.png", "letter", "upward", t + timedelta(minutes=5))
    with clock.frozen_at(t := back(9, 10)):
        flow.feedback(s, director, up, "电话", Satisfaction.SATISFIED, "已告知住建局的处理结果")

    # 信访: accepted at registration (routed to 信访办), paused, extended, answered, 复查.
    pid = ids["petition"]
    with clock.frozen_at(back(39, 9, 0)):
        flow.accept(s, director, pid)
    with clock.frozen_at(back(37, 10)):
        petitions.pause(s, director, pid, "等待当事人补充材料（土地承包合同原件）")
    with clock.frozen_at(back(33, 15)):
        petitions.resume(s, director, pid, "当事人已补交合同原件")
    proposed = s.get(Matter, pid).deadline + timedelta(days=20)
    with clock.frozen_at(back(20, 9)):
        flow.request_extension(s, director, pid, proposed, "需会同自然资源所现场测量承包地界址")
    with clock.frozen_at(back(20, 11)):
        flow.extend(s, director, pid, note="同意延期")
    with clock.frozen_at(back(12, 16)):
        flow.complete(
            s,
            director,
            pid,
            "经现场测量和查阅1998年二轮承包档案，争议地块属邻户承包范围，来信人的请求不予支持；"
            "已向双方说明测量结果和政策依据。",
        )
    with clock.frozen_at(back(11, 10)):
        flow.feedback(s, director, pid, "当面", Satisfaction.DISSATISFIED, "")
    with clock.frozen_at(t := back(7, 9, 30)):
        review = petitions.request_review(
            s,
            director,
            pid,
            "县信访局",
            "不服处理意见，认为测量未通知本人到场，要求重新测量。",
            t.date(),
        )
    with clock.frozen_at(t := back(2, 15)):
        petitions.decide_review(
            s,
            director,
            review.id,
            "经复查，测量时已书面通知来信人，其本人未到场；测量程序合法，结论清楚。维持原处理意见。",
            t.date(),
        )
