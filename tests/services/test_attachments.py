"""Attachments: stored by hash, deduplicated, on the timeline, and checked when opened."""

from __future__ import annotations

import pytest

from app.core.errors import PermissionDenied, ServiceError, ValidationError
from app.services.reception import attachments, intake
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
        detail = intake.matter_detail(s, receptionist, mid)
    assert detail.events[-1].kind == "附件" and "来信扫描件.pdf" in detail.events[-1].note
    path.write_bytes(b"altered")
    with db.write() as s, pytest.raises(ServiceError, match="已被改动"):
        attachments.attachment_path(s, receptionist, rows[0].id, folder)
    with db.write() as s, pytest.raises(ValidationError, match="找不到文件"):
        attachments.add_attachment(s, receptionist, mid, tmp_path / "nope.jpg", folder)
    with db.write() as s, pytest.raises(PermissionDenied):
        attachments.add_attachment(s, actor(db, "admin"), mid, scan, folder)
