"""打开附件's copies: written to a private folder of the program's own, and that folder emptied
when the program exits and at the next start — a copy a viewer still holds open (Windows
refuses to delete it) is left quietly and deleted the next time. Two programs running on one
terminal each keep their own folder: one's start, log-out or exit leaves the other's copies."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.core import opened_copies
from app.core.opened_copies import (
    clear_left_opened_copies,
    clear_opened_copies,
    opened_copies_folder,
    opened_copies_root,
    release_opened_copies,
    write_opened_copy,
)


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


# Another program on this terminal: writes one copy, says where, then waits for a line on its
# input — "exit" leaves as the program does, anything else ends it as a crash would.
OTHER = """
import os, sys
from app.core.opened_copies import release_opened_copies, write_opened_copy
print(write_opened_copy("另一个窗口.pdf", b"theirs"), flush=True)
if sys.stdin.readline().strip() == "exit":
    release_opened_copies()
else:
    os._exit(1)
"""


@pytest.fixture
def other(folder):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-c", OTHER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
    )
    yield proc, Path(proc.stdout.readline().strip())
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdin.close()
    proc.stdout.close()


def test_another_running_programs_copies_survive_this_ones_start_log_out_and_exit(folder, other):
    proc, theirs = other
    assert theirs.read_bytes() == b"theirs"
    assert theirs.parent.parent.name.startswith(f"{proc.pid}-")  # its own folder, not ours
    ours = write_opened_copy("表扬信.pdf", b"ours")
    clear_left_opened_copies()  # this program's start (a second window opened)
    assert theirs.read_bytes() == b"theirs" and ours.read_bytes() == b"ours"
    clear_opened_copies()  # this program's log-out
    assert theirs.read_bytes() == b"theirs" and not ours.exists()
    release_opened_copies()  # this program's exit
    assert theirs.read_bytes() == b"theirs" and not folder.exists()
    proc.stdin.write("exit\n")
    proc.stdin.flush()
    assert proc.wait(timeout=30) == 0
    assert list(opened_copies_root().iterdir()) == []  # its exit took its own away


def test_a_program_that_ended_without_clearing_has_its_copies_deleted_at_the_next_start(
    folder, other
):
    proc, theirs = other
    ours = write_opened_copy("表扬信.pdf", b"ours")
    proc.stdin.write("crash\n")
    proc.stdin.flush()
    assert proc.wait(timeout=30) == 1
    assert theirs.exists()  # nobody cleared it
    clear_left_opened_copies()
    assert not theirs.parent.parent.exists() and ours.read_bytes() == b"ours"
    assert sorted(p.name for p in opened_copies_root().iterdir()) == [
        folder.name,
        folder.name + ".lock",
    ]


def test_a_folder_whose_pid_now_belongs_to_another_program_is_deleted(folder):
    """The pid in a folder's name is running — this very test's parent, say — but no program
    of ours holds the folder's lock: the pid was reused, the copies are left over."""
    root = opened_copies_root()
    reused = root / f"{os.getppid()}-0badc0de"
    (reused / "tmpabc").mkdir(parents=True)
    (reused / "tmpabc" / "申请书.docx").write_bytes(b"left")
    (root / f"{os.getppid()}-0badc0de.lock").touch()
    unlocked = root / "999999-feedface.lock"  # a lock file whose folder was already gone
    unlocked.touch()
    clear_left_opened_copies()
    assert list(root.iterdir()) == []


def test_a_folder_whose_lock_is_held_stays_and_goes_once_let_go(folder):
    """Another program simulated in this one: its lock file held through a descriptor of
    its own (locks are per open file, not per process)."""
    root = opened_copies_root()
    theirs = root / "4242-c0ffee00"
    (theirs / "tmpxyz").mkdir(parents=True)
    (theirs / "tmpxyz" / "照片.jpg").write_bytes(b"theirs")
    lock = root / "4242-c0ffee00.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        assert opened_copies._try_lock(fd) is True
        clear_left_opened_copies()
        release_opened_copies()
        assert (theirs / "tmpxyz" / "照片.jpg").read_bytes() == b"theirs"
    finally:
        os.close(fd)  # that program ends: the system lets go of its lock
    clear_left_opened_copies()
    assert list(root.iterdir()) == []


def test_copies_left_directly_in_the_folder_by_earlier_versions_are_deleted_at_start(folder):
    root = opened_copies_root()
    (root / "tmp3k9x_q1").mkdir(parents=True)  # how earlier versions kept each copy
    (root / "tmp3k9x_q1" / "表扬信.pdf").write_bytes(b"old")
    (root / "零散.txt").write_bytes(b"old")
    ours = write_opened_copy("表扬信.pdf", b"ours")
    clear_left_opened_copies()
    assert sorted(p.name for p in root.iterdir()) == [folder.name, folder.name + ".lock"]
    assert ours.read_bytes() == b"ours"
