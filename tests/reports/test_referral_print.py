"""The 转介摘要 is printed through a service, like every document: it checks the input,
records the referral and its audit row in a write, and returns the PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.core import clock
from app.core.errors import ValidationError
from app.core.ops import Change, ReadOnlyViolation, op, spec_of
from app.models import (
    AuditEntry,
    ConsentKind,
    CounsellingReferral,
)
from app.services.rooms import counselling
from app.services.rooms.counselling import ReferralInput
from app.services.security import notes_keys
from tests.conftest import actor
from tests.services.test_counselling import SECRET, add_client_and_session, unlock


@pytest.fixture
def referral(db, admin):
    """A counsellor's key, a client with one session, and what the counsellor fills in."""
    with db.write() as s:
        notes_keys.create_recovery_key(s, admin)
    key = unlock(db, "zixun")
    client_id, session_id = add_client_and_session(db, key)
    data = ReferralInput(
        client_id,
        "乐清市第三人民医院心理科",
        ConsentKind.WRITTEN,
        clock.today(),
        [session_id],
        include_notes=True,
        summary="来访者同意转介，希望尽快就诊。",
        reason="睡眠障碍持续两月",
    )
    return actor(db, "zixun"), key, data


def counts(db) -> tuple[int, int]:
    with db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(CounsellingReferral)),
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.event == "counselling_referral_print")
            ),
        )


def test_the_referral_pdf_is_a_write_that_records_the_print(db, referral):
    who, key, data = referral
    assert spec_of(counselling.referral_pdf).changes == {Change.COUNSELLING}
    result = db.run(op(counselling.referral_pdf, who, key, data))
    assert result.changes == {Change.COUNSELLING}
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(result.value)).pages)
    text = text.replace(" ", "")
    for expected in ("心理咨询转介摘要", "保密", "乐清市第三人民医院心理科", "小林", SECRET):
        assert expected in text, expected
    assert counts(db) == (1, 1)


def test_on_a_read_path_it_raises_and_stores_nothing(db, referral):
    who, key, data = referral
    with pytest.raises(ReadOnlyViolation), db.read() as s:
        counselling.referral_pdf(s, who, key, data)
    assert counts(db) == (0, 0)


def test_without_consent_it_is_refused_in_chinese_and_nothing_is_written(db, referral):
    who, key, data = referral
    data = ReferralInput(data.client_id, data.to_body, None, data.consent_on, data.session_ids)
    with pytest.raises(ValidationError) as err:
        db.run(op(counselling.referral_pdf, who, key, data))
    assert "同意" in err.value.fields["consent"]
    assert counts(db) == (0, 0)
