"""受理回执: the data printed on the receipt, snapshotted from the matter (docs/DOMAIN.md §4)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.core.ops import read_op, write_op
from app.models import MatterStatus
from app.reports.fonts import default_fonts
from app.reports.receipt import ReceiptData, ReceiptPerson, render_receipt
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.reception.intake import matter_detail
from app.services.security import audit
from app.services.security.permissions import Action, require


def warm_up() -> None:
    """Register the receipt's fonts (50–90 ms, once per process) before the first print."""
    default_fonts()


def _route(status: MatterStatus, unit: str, handler: str) -> str:
    if status == MatterStatus.ANSWERED:
        return "已当场解答，本事项办结。如仍有疑问，可凭受理编号再次咨询。"
    if not unit:
        return "由中心统一分流交办，办理单位确定后告知您；办结后将向您反馈结果。"
    who = f"（承办人：{handler}）" if handler else ""
    return (
        f"交{unit}{who}办理，按“受理—分流交办—办理—办结—反馈”流程，在承诺期限内办结并向您反馈结果。"
    )


@read_op
def receipt_data(session: Session, actor: Actor, matter_id: uuid.UUID) -> ReceiptData:
    """The receipt's contents; ID numbers and phones are always masked on paper."""
    require(actor, Action.PRINT_RECEIPT)
    d = matter_detail(session, actor, matter_id, masked=True)
    s = load_settings(session)
    return ReceiptData(
        center_name=s.center_name,
        center_phone=s.center_phone or None,
        number=d.number,
        received_at=d.received_at,
        channel=d.channel.label,
        persons=[ReceiptPerson(p.name, p.id_number or None, p.phone or None) for p in d.persons],
        category=d.category,
        summary=d.summary,
        destination=d.unit or ("综合受理窗口" if d.status == MatterStatus.ANSWERED else "待分流"),
        route=_route(d.status, d.unit, d.handler),
        deadline=d.deadline,
        deadline_text=d.deadline_text,
        receptionist=d.receptionist,
        answer=d.answer,
        query_hint=s.query_hint,
        center_address=s.center_address or None,
    )


@write_op()
def receipt_pdf(session: Session, actor: Actor, matter_id: uuid.UUID) -> tuple[str, bytes]:
    """(number, PDF bytes), with an audit row for the print."""
    data = receipt_data(session, actor, matter_id)
    pdf = render_receipt(data)
    audit.record(session, actor, "receipt_print", object_type="matter", object_id=matter_id)
    return data.number, pdf
