"""Work a view used to compose inside one job, now one operation each: what it stores, what it
announces, and that a failure part-way leaves nothing behind."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.core.errors import ServiceError, ValidationError
from app.core.ops import Change, op
from app.models import AuditEntry, SupervisionOrder, Unit
from app.services.command import ledgers, registers
from app.services.data import exchange
from app.services.reception import intake, supervision
from tests.conftest import actor
from tests.services.test_intake import make_input
from tests.services.test_ledgers import registers_filled  # noqa: F401 — a fixture


def _audit(db, event: str) -> int:
    with db.read() as s:
        return s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.event == event)
        )


def test_a_ledger_exported_to_a_file_and_one_that_cannot_be_written(
    db,
    registers_filled,  # noqa: F811
    tmp_path,
):
    director = actor(db, "zhuren")
    out = tmp_path / "流动人口.xlsx"
    result = db.run(op(ledgers.export_ledger_file, director, "migrants", None, "xlsx", out))
    table, path = result.value
    assert path == out and out.read_bytes()[:2] == b"PK" and len(table.rows) >= 1
    assert result.changes == frozenset()  # only the audit row: no view shows it
    assert _audit(db, "export_ledger") == 1

    blocked = tmp_path / "不存在的文件夹" / "流动人口.xlsx"
    with pytest.raises(ServiceError, match="无法写入"):
        db.run(op(ledgers.export_ledger_file, director, "migrants", None, "xlsx", blocked))
    assert not blocked.exists()
    assert _audit(db, "export_ledger") == 1  # the failed export's audit row was rolled back


def test_a_register_form_saves_a_new_record_then_corrects_it(db):
    who = actor(db, "jiedai")
    raw = {
        "name": "周一",
        "phone": "13812345678",
        "origin": "江西省上饶市",
        "address": "中雁村",
        "arrived_on": "2026-03-05",
    }
    added = db.run(op(registers.save_record, who, "migrants", None, raw))
    assert added.changes == {Change.REGISTERS}
    rid = added.value
    assert db.run(op(registers.record_values, who, "migrants", rid)).value["phone"] == (
        "13812345678"
    )
    raw["phone"] = "13900001111"
    assert db.run(op(registers.save_record, who, "migrants", rid, raw)).value == rid
    assert db.run(op(registers.record_values, who, "migrants", rid)).value["phone"] == (
        "13900001111"
    )
    raw["phone"] = "12"
    with pytest.raises(ValidationError):
        db.run(op(registers.save_record, who, "migrants", rid, raw))
    assert db.run(op(registers.record_values, who, "migrants", rid)).value["phone"] == (
        "13900001111"
    )


def test_an_order_issued_and_printed_in_one_step(db, receptionist):
    director = actor(db, "zhuren")
    mid = db.run(op(intake.register_matter, receptionist, make_input(db))).value.id
    with db.read() as s:
        unit = s.scalar(select(Unit.id).where(Unit.name == "综合行政执法队"))
    result = db.run(
        op(supervision.issue_and_print, director, mid, unit, "请三日内答复。", date(2099, 1, 5))
    )
    number, pdf = result.value
    assert pdf.startswith(b"%PDF") and Change.MATTERS in result.changes
    with db.read() as s:
        assert s.scalar(select(SupervisionOrder.number)) == number
    assert _audit(db, "supervision_print") == 1

    # A refused order stores nothing and prints nothing.
    with pytest.raises(ValidationError):
        db.run(op(supervision.issue_and_print, director, mid, None, " ", date(2099, 1, 5)))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SupervisionOrder)) == 1
    assert _audit(db, "supervision_print") == 1


def test_a_bundle_file_that_cannot_be_read_is_refused_with_its_path(db, admin, tmp_path):
    missing = tmp_path / "B-20260301.zzb"
    with pytest.raises(ServiceError, match="读不到交换包文件") as err:
        db.run(op(exchange.import_bundle_file, admin, missing))
    assert str(missing) in str(err.value)
