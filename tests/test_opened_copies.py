"""打开附件's copies: written to one private folder of the program's own, and that folder emptied
when the program exits and at the next start — a copy a viewer still holds open (Windows
refuses to delete it) is left quietly and deleted the next time."""

from __future__ import annotations

import os
import stat

import pytest

from app.core.opened_copies import clear_opened_copies, opened_copies_folder, write_opened_copy


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ZONGZHI_CACHE_DIR", str(tmp_path / "cache"))
    return opened_copies_folder()


def test_copies_keep_their_names_in_the_one_folder_and_are_deleted_by_the_cleanup(folder):
    first = write_opened_copy("表扬信.pdf", b"one")
    second = write_opened_copy("表扬信.pdf", b"two")  # the same name: both kept while open
    sneaky = write_opened_copy("../../工作/表扬信.txt", b"three")
    for path, data in ((first, b"one"), (second, b"two"), (sneaky, b"three")):
        assert path.parent.parent == folder and path.read_bytes() == data
    assert first.name == second.name == "表扬信.pdf" and first != second
    assert sneaky.name == "表扬信.txt"
    if os.name == "posix":  # personal data: this user's alone
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(first.stat().st_mode) == 0o600
    clear_opened_copies()
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_copy_that_cannot_be_deleted_now_is_deleted_next_time(folder, monkeypatch):
    held = write_opened_copy("申请书.docx", b"open in a viewer")
    done = write_opened_copy("照片.jpg", b"closed")
    real_unlink = os.unlink

    def refused(path, *args, **kwargs):  # what Windows says of a file a viewer has open
        if os.fspath(path) in (held.name, os.fspath(held)):
            raise PermissionError(13, "另一个程序正在使用此文件")
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refused)
    clear_opened_copies()  # no error
    assert held.read_bytes() == b"open in a viewer" and not done.exists()
    monkeypatch.setattr(os, "unlink", real_unlink)
    clear_opened_copies()  # the next start
    assert list(folder.iterdir()) == []


def test_the_cleanup_with_no_folder_yet_does_nothing(folder):
    clear_opened_copies()
    assert not folder.exists()
