"""A counselling session's ciphertext is bound to its client too (issue 16 §6): a session row
moved to another client does not decrypt, as a ciphertext moved to another row already did.
Rows written before the binding (no client in the associated data) still open, and are
encrypted again, bound, the first time their client's file is opened."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import CounsellingSession
from app.services.rooms import counselling
from app.services.security import notes_crypto as nc
from app.services.security.notes_crypto import DecryptionFailed
from tests.conftest import actor
from tests.services.test_counselling import SECRET, add_client_and_session, unlock
from tests.services.test_counselling import center as center  # noqa: F401 — a fixture


def test_a_session_moved_to_another_client_does_not_decrypt(db, center):
    key = unlock(db, "zixun")
    client_a, session_id = add_client_and_session(db, key)
    client_b, _ = add_client_and_session(db, key, notes="另一位来访者的记录")
    c = actor(db, "zixun")
    with db.write() as s:
        s.get(CounsellingSession, session_id).client_id = client_b
    with db.write() as s, pytest.raises(DecryptionFailed):
        counselling.open_client(s, c, key, client_b)
    with db.write() as s:  # put back, it opens again: nothing was changed by the refusal
        s.get(CounsellingSession, session_id).client_id = client_a
    with db.write() as s:
        assert counselling.open_client(s, c, key, client_a).sessions[0].notes == SECRET


def test_rows_written_before_the_binding_still_open_and_are_bound_on_opening(db, center):
    key = unlock(db, "zixun")
    client_a, session_id = add_client_and_session(db, key)
    client_b, _ = add_client_and_session(db, key, notes="另一位来访者的记录")
    c = actor(db, "zixun")
    # Write the row as the earlier version did: table/row/column in the associated data only.
    with db.write() as s:
        row = s.get(CounsellingSession, session_id)
        for col, text in (("notes", SECRET), ("risk_basis", "旧的评估依据")):
            setattr(
                row,
                f"{col}_ct",
                nc.seal(
                    row.crypt_alg,
                    key.material(),
                    text.encode(),
                    nc.associated_data("counselling_sessions", row.id, col),
                ),
            )
        legacy = row.notes_ct
    assert not nc.is_bound(legacy)
    with db.write() as s:
        opened = counselling.open_client(s, c, key, client_a).sessions[0]
    assert (opened.notes, opened.risk_basis) == (SECRET, "旧的评估依据")
    with db.read() as s:
        now_stored = s.scalar(
            select(CounsellingSession.notes_ct).where(CounsellingSession.id == session_id)
        )
    assert nc.is_bound(now_stored) and now_stored != legacy
    # Bound now: moved to another client, it no longer opens.
    with db.write() as s:
        s.get(CounsellingSession, session_id).client_id = client_b
    with db.write() as s, pytest.raises(DecryptionFailed):
        counselling.open_client(s, c, key, client_b)
