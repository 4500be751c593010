"""中心资料: the admin keeps units, villages, categories and document roles; history keeps names."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.errors import PermissionDenied, ValidationError
from app.models import AuditEntry, Category, LimitKind, Person, RowChange, Unit, UnitKind, Village
from app.services.center import reference_admin as ref
from app.services.center.reference import load_lookups
from app.services.command import ledgers
from app.services.reception import detail, intake, receipts
from app.services.reception.intake import VisitorInput
from tests.conftest import actor
from tests.services.test_intake import make_input


def _id(db, model, name):
    with db.read() as s:
        return s.scalar(select(model.id).where(model.name == name))


def _audits(db):
    with db.read() as s:
        return s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.event == "reference_change")
        )


def test_seed_has_the_notice_offices(db):
    with db.read() as s:
        names = set(s.scalars(select(Unit.name)))
        xinfang = s.scalar(select(Category.is_xinfang).where(Category.name == "信访事项"))
    assert {"政法办", "人武部", "防范处理邪教办"} <= names
    assert xinfang is True


def test_add_rename_reorder_deactivate_each_list(db, admin):
    before = _audits(db)
    with db.write() as s:
        uid = ref.save_unit(s, admin, None, ref.UnitInput("民政办", UnitKind.ROOM, "民政", "李明"))
        vid = ref.save_village(s, admin, None, "东山村")
        cid = ref.save_category(
            s, admin, None, ref.CategoryInput("低保救助", LimitKind.WORKING, "10", uid)
        )
    with db.write() as s:
        ref.save_village(s, admin, vid, "东山社区")
        ref.move_item(s, admin, "village", vid, -1)
        ref.set_active(s, admin, "category", cid, False)
    with db.read() as s:
        data = ref.load_reference(s, admin)
        lookups = load_lookups(s)
    unit = next(u for u in data.units if u.id == uid)
    assert (unit.name, unit.short_name, unit.kind, unit.head) == (
        "民政办",
        "民政",
        UnitKind.ROOM,
        "李明",
    )
    names = [v.name for v in data.villages]
    assert names[-2:] == ["东山社区", "山马社区"]  # added last, then moved up one
    cat = next(c for c in data.categories if c.id == cid)
    assert (cat.limit_text, cat.default_unit, cat.active) == ("10个工作日", "民政办", False)
    # Deactivated: missing from new choices, still in the filters' lists.
    assert cid not in [c.id for c in lookups.categories]
    assert "低保救助（已停用）" in [c.name for c in lookups.all_categories]
    assert _audits(db) == before + 6


def test_reorder_swaps_neighbours(db, admin):
    with db.read() as s:
        first, second = s.scalars(select(Unit.id).order_by(Unit.sort, Unit.name).limit(2))
    with db.write() as s:
        ref.move_item(s, admin, "unit", second, -1)
    with db.read() as s:
        assert [u.id for u in load_lookups(s).units[:2]] == [second, first]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (ref.CategoryInput("", LimitKind.WORKING, 5), "name", "请填写事项类别名称"),
        (ref.CategoryInput("投诉", LimitKind.WORKING, 5), "name", "已有名为“投诉”的事项类别"),
        (ref.CategoryInput("新类别", LimitKind.WORKING, 0), "limit_days", "1–365"),
        (ref.CategoryInput("新类别", LimitKind.CALENDAR, "三十"), "limit_days", "整数"),
    ],
)
def test_bad_category_is_refused_in_chinese(db, admin, data, field, message):
    with db.write() as s, pytest.raises(ValidationError) as err:
        ref.save_category(s, admin, None, data)
    assert message in err.value.fields[field]


def test_same_day_rule_needs_no_days(db, admin):
    with db.write() as s:
        cid = ref.save_category(
            s, admin, None, ref.CategoryInput("政策咨询", LimitKind.SAME_DAY, "")
        )
    with db.read() as s:
        assert (
            next(c for c in ref.load_reference(s, admin).categories if c.id == cid).limit_text
            == "当日"
        )


def test_program_names_are_not_renamed(db, admin):
    room = _id(db, Unit, "矛盾纠纷调解室")
    with db.write() as s, pytest.raises(ValidationError, match="由程序按名称使用"):
        ref.save_unit(s, admin, room, ref.UnitInput("调解室", UnitKind.ROOM))


def test_director_reads_only(db):
    director = actor(db, "zhuren")
    with db.read() as s:
        assert ref.load_reference(s, director).units
    with db.write() as s, pytest.raises(PermissionDenied):
        ref.save_village(s, director, None, "西山村")
    with db.read() as s, pytest.raises(PermissionDenied):
        ref.load_reference(s, actor(db, "jiedai"))


def test_merge_moves_people_and_keeps_history(db, admin, receptionist):
    with db.write() as s:
        old = ref.save_village(s, admin, None, "下塘村")
        new = ref.save_village(s, admin, None, "上塘社区")
    visitor = VisitorInput(name="赵六", phone="13900001111", village_id=old)
    with db.write() as s:
        reg = intake.register_matter(s, receptionist, make_input(db, visitors=[visitor]))
    with db.read() as s:
        logged_before = s.scalar(select(func.max(RowChange.seq))) or 0
    with db.write() as s:
        assert ref.merge_village(s, admin, old, new) >= 1
    with db.read() as s:
        person = s.scalar(select(Person).where(Person.name == "赵六"))
        assert person.village_id == new
        # The move is in the change log, so it travels to the other terminals' bundles.
        logged = s.execute(
            select(RowChange.table_name, RowChange.row_key, RowChange.op).where(
                RowChange.seq > logged_before
            )
        ).all()
        assert any(
            t == Person.__tablename__ and str(person.id) in key and op == "update"
            for t, key, op in logged
        )
        v = s.get(Village, old)
        assert (v.active, v.merged_into_id) == (False, new)
        rows = ledgers.build_ledger(s, actor(db, "zhuren"), "matters").rows
    row = next(r for r in rows if r[0] == reg.number)
    assert "下塘村" in row  # the matter keeps the village it was made with
    with db.write() as s, pytest.raises(ValidationError, match="不能重新启用"):
        ref.set_active(s, admin, "village", old, True)


def test_rename_leaves_receipts_ledgers_and_timelines_unchanged(db, admin, receptionist):
    with db.write() as s:
        vid = ref.save_village(s, admin, None, "青石村")
    unit = _id(db, Unit, "司法所")
    visitor = VisitorInput(name="钱七", phone="13900002222", village_id=vid)
    data = make_input(db, visitors=[visitor], category="投诉", unit_id=unit)
    with db.write() as s:
        reg = intake.register_matter(s, receptionist, data)
    with db.write() as s:
        ref.save_village(s, admin, vid, "青石社区")
        ref.save_unit(s, admin, unit, ref.UnitInput("司法所（公共法律服务站）", UnitKind.STATIONED))
        cat = _id(db, Category, "投诉")
        ref.save_category(s, admin, cat, ref.CategoryInput("投诉举报", LimitKind.WORKING, 7))
    director = actor(db, "zhuren")
    with db.read() as s:
        receipt = receipts.receipt_data(s, receptionist, reg.id)
        seen = detail.matter_detail(s, receptionist, reg.id)
        rows = ledgers.build_ledger(s, director, "matters").rows
    assert (receipt.category, receipt.destination) == ("投诉", "司法所")
    assert (seen.category, seen.unit) == ("投诉", "司法所")
    assert any("司法所" in e.note and "公共法律" not in e.note for e in seen.events)
    row = next(r for r in rows if r[0] == reg.number)
    assert {"投诉", "司法所", "青石村"} <= set(row)
    # A matter registered after the renames carries the new names.
    with db.write() as s:
        later = intake.register_matter(
            s, receptionist, make_input(db, visitors=[visitor], category="投诉举报", unit_id=unit)
        )
    with db.read() as s:
        assert receipts.receipt_data(s, receptionist, later.id).destination == (
            "司法所（公共法律服务站）"
        )


def test_deactivating_a_default_unit_is_refused(db, admin):
    with db.write() as s, pytest.raises(ValidationError, match="默认承办单位"):
        ref.set_active(s, admin, "unit", _id(db, Unit, "信访办"), False)


def test_document_roles(db, admin):
    with db.write() as s:
        roles = ref.set_document_roles(
            s,
            admin,
            mediation_committee="白石街道人民调解委员会",
            center_address="白石街道文化路1号",
        )
    assert roles.center_address == "白石街道文化路1号"
    with db.write() as s, pytest.raises(ValidationError) as err:
        ref.set_document_roles(s, admin, center_address="路" * 121)
    assert "中心地址" in err.value.fields["center_address"]


def test_document_roles_are_printed(db, admin, receptionist):
    from app.models import CaseRoom
    from app.services.center.settings import load_settings
    from app.services.rooms.mediation.printing import _committee, _seal

    with db.write() as s:
        ref.set_document_roles(
            s,
            admin,
            mediation_committee="白石街道人民调解委员会",
            mediation_seal="白石街道人民调解委员会（调解专用章）",
            family_committee="白石街道婚姻家庭纠纷人民调解委员会",
            center_address="白石街道文化路1号",
        )
    with db.write() as s:
        reg = intake.register_matter(s, receptionist, make_input(db))
    with db.read() as s:
        settings = load_settings(s)
        assert receipts.receipt_data(s, receptionist, reg.id).center_address == "白石街道文化路1号"
    assert _seal(settings, CaseRoom.GENERAL) == "白石街道人民调解委员会（调解专用章）"
    assert _committee(settings, CaseRoom.FAMILY) == "白石街道婚姻家庭纠纷人民调解委员会"
    assert _seal(settings, CaseRoom.FAMILY) == "白石街道婚姻家庭纠纷人民调解委员会"


def test_a_supervision_order_keeps_the_unit_it_was_issued_to(db, admin, receptionist):
    import io
    from datetime import timedelta

    from pypdf import PdfReader

    from app.core import clock
    from app.services.reception import supervision

    director = actor(db, "zhuren")
    unit = _id(db, Unit, "综合行政执法队")
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
        oid = supervision.issue_order(
            s, director, mid, unit, "请三日内核查。", clock.today() + timedelta(days=3)
        ).id
    with db.write() as s:
        ref.save_unit(s, admin, unit, ref.UnitInput("综合行政执法中队", UnitKind.STATIONED))
    with db.read() as s:
        (row,) = supervision.list_orders(s, director)
    assert row.unit == "综合行政执法队"
    with db.write() as s:
        _number, pdf = supervision.order_pdf(s, director, oid)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    assert "综合行政执法队" in text and "综合行政执法中队" not in text


def test_imported_matters_keep_their_names(db, tmp_path):
    from app.models import Matter
    from app.services.command import importing
    from tests.services.test_importing import HEADER, write_xlsx

    row = [1, "2026-03-05 09:30", "来访", "投诉", "王五", None, "13812345678", "白石村",
           "反映噪音扰民", "司法所", "已分流", None, None, None]  # fmt: skip
    path = write_xlsx(tmp_path / "旧台账.xlsx", HEADER, [row])
    with db.write() as s:
        assert importing.import_sheet(s, actor(db, "jiedai"), "matters", path).imported == 1
    with db.read() as s:
        names = s.execute(select(Matter.category_name, Matter.unit_name, Matter.village_name))
        assert tuple(names.one()) == ("投诉", "司法所", "白石村")


def test_an_edit_is_audited_in_the_words_of_the_form(db, admin):
    with db.write() as s:
        uid = ref.save_unit(s, admin, None, ref.UnitInput("民政办", UnitKind.ROOM))
    with db.write() as s:
        ref.save_unit(s, admin, uid, ref.UnitInput("民政所", UnitKind.ROOM, "民政", "李明"))
    with db.read() as s:
        reason = s.scalar(
            select(AuditEntry.reason)
            .where(AuditEntry.event == "reference_change", AuditEntry.object_id == str(uid))
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )
    assert reason == "承办单位：“民政办”改名为“民政所”；修改简称、负责人"


def test_names_with_spaces_or_in_another_width_are_refused(db, admin):
    with db.write() as s:
        ref.save_village(s, admin, None, "甲村2")
    for typed, said in (
        ("白石　村", "不能有空格"),  # a full-width space inside
        ("甲\n村", "不能有空格"),
        ("甲村２", "已有名为“甲村2”的村社区"),  # a full-width digit
    ):
        with db.write() as s, pytest.raises(ValidationError) as err:
            ref.save_village(s, admin, None, typed)
        assert said in err.value.fields["name"]
