"""Attachments: stored by hash, deduplicated, on the timeline, and checked when opened."""

from __future__ import annotations

import pytest

from app.core.errors import PermissionDenied, ServiceError, ValidationError
from app.models import AttachmentBlob
from app.services.reception import attachments, detail, intake
from tests import pg
from tests.conftest import actor
from tests.services.test_intake import make_input


def test_attach_list_open_and_detect_tampering(db, receptionist, tmp_path):
    folder = attachments.attachments_folder(db.path)
    scan = tmp_path / "来信扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned letter")
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
        first = attachments.add_attachment(s, receptionist, mid, scan, folder)
        attachments.add_attachment(s, receptionist, mid, scan, folder)  # the same file again
    stored = list(folder.rglob("*"))
    assert [p.name for p in stored if p.is_file()] == [first.sha256], "stored once, by hash"
    with db.write() as s:
        rows = attachments.list_attachments(s, receptionist, mid)
        assert [r.file_name for r in rows] == ["来信扫描件.pdf"] * 2
        path = attachments.attachment_path(s, receptionist, rows[0].id, folder)
        assert path.read_bytes() == b"%PDF-1.4 scanned letter"
        seen = detail.matter_detail(s, receptionist, mid)
    assert seen.events[-1].kind == "附件" and "来信扫描件.pdf" in seen.events[-1].note
    path.write_bytes(b"altered")
    if db.is_sqlite:
        with db.write() as s, pytest.raises(ServiceError, match="已被改动"):
            attachments.attachment_path(s, receptionist, rows[0].id, folder)
    else:  # on a server the database holds the bytes: this PC's copy is made again from them
        with db.write() as s:
            path = attachments.attachment_path(s, receptionist, rows[0].id, folder)
        assert path.read_bytes() == b"%PDF-1.4 scanned letter"
    with db.write() as s, pytest.raises(ValidationError, match="找不到文件"):
        attachments.add_attachment(s, receptionist, mid, tmp_path / "nope.jpg", folder)
    with db.write() as s, pytest.raises(PermissionDenied):
        attachments.add_attachment(s, actor(db, "admin"), mid, scan, folder)


@pytest.mark.skipif(not pg.ON_PG, reason="PostgreSQL only (ZONGZHI_TEST_DB)")
def test_on_a_server_every_terminal_opens_an_attachment_and_its_size_is_limited(
    db, receptionist, tmp_path, monkeypatch
):
    scan = tmp_path / "现场照片.jpg"
    scan.write_bytes(b"\xff\xd8 photo")
    with db.write() as s:
        mid = intake.register_matter(s, receptionist, make_input(db)).id
        att = attachments.add_attachment(s, receptionist, mid, scan, tmp_path / "pc-1")
    with db.write() as s:  # another terminal: its own, empty data folder
        path = attachments.attachment_path(s, receptionist, att.id, tmp_path / "pc-2")
        assert s.get(AttachmentBlob, att.sha256).size == len(b"\xff\xd8 photo")
    assert path.read_bytes() == b"\xff\xd8 photo" and tmp_path / "pc-2" in path.parents
    monkeypatch.setattr(attachments, "MAX_BYTES", 4)
    with db.write() as s, pytest.raises(ValidationError, match="文件太大"):
        attachments.add_attachment(s, receptionist, mid, scan, tmp_path / "pc-1")
