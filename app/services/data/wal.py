"""Reading a SQLite ``-wal`` file's frames before SQLite does, to see what it will discard.

SQLite replays the WAL frame by frame and stops at the first frame whose checksum (or salt)
is wrong: every later frame, committed transactions included, is silently ignored and gone at
the next checkpoint. ``wal_damage`` walks the frames the same way (the format of
https://sqlite.org/fileformat2.html#walformat) and says when frames of the current WAL lie
beyond a bad one — committed work SQLite will drop. ``zongzhi check`` looks before it opens
the database, while the evidence is still there.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

MAGIC_LE, MAGIC_BE = 0x377F0682, 0x377F0683
HEADER, FRAME_HEADER = 32, 24


def _checksum(data: bytes, s0: int, s1: int, big: bool) -> tuple[int, int]:
    fmt = (">" if big else "<") + f"{len(data) // 4}I"
    words = struct.unpack(fmt, data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


@dataclass(frozen=True)
class WalDamage:
    bad_frame: int  # 1-based number of the first frame SQLite rejects
    frames_lost: int  # frames of this WAL after it (SQLite ignores them)
    commits_lost: int  # of which end a committed transaction
    header_bad: bool = False

    def message(self, wal: Path) -> str:
        if self.header_bad:
            return (
                f"WAL 文件 {wal.name} 的文件头损坏：SQLite 会整个丢弃它，"
                "最后一次检查点之后提交的修改都会丢失"
            )
        return (
            f"WAL 文件 {wal.name} 第 {self.bad_frame} 帧损坏：SQLite 会丢弃它和之后的 "
            f"{self.frames_lost} 帧，其中含 {self.commits_lost} 个已提交的事务，"
            "这些修改会丢失（数据库只到损坏处之前）"
        )


def wal_damage(db_path: Path) -> WalDamage | None:
    """What SQLite would discard of ``db_path``'s -wal; None if it is absent or sound."""
    wal = Path(str(db_path) + "-wal")
    try:
        data = wal.read_bytes()
    except OSError:
        return None
    if len(data) < HEADER:
        return None
    magic, _version, page_size, _ckpt, salt1, salt2, c1, c2 = struct.unpack(">8I", data[:HEADER])
    if magic not in (MAGIC_LE, MAGIC_BE):
        return WalDamage(0, 0, 0, header_bad=True) if any(data[:HEADER]) else None
    big = magic == MAGIC_BE
    s0, s1 = _checksum(data[:24], 0, 0, big)
    if (s0, s1) != (c1, c2) or page_size < 512 or page_size & (page_size - 1):
        return WalDamage(0, 0, 0, header_bad=True)
    size = FRAME_HEADER + page_size
    frames = [data[i : i + size] for i in range(HEADER, len(data) - size + 1, size)]
    for n, frame in enumerate(frames, start=1):
        _page, _commit, f_salt1, f_salt2, f1, f2 = struct.unpack(">6I", frame[:FRAME_HEADER])
        if (f_salt1, f_salt2) != (salt1, salt2):
            return None  # the end of this WAL: older frames from before a reset follow
        t0, t1 = _checksum(frame[:8], s0, s1, big)
        t0, t1 = _checksum(frame[FRAME_HEADER:], t0, t1, big)
        if (t0, t1) != (f1, f2):
            later = [f for f in frames[n:] if struct.unpack(">2I", f[8:16]) == (salt1, salt2)]
            commits = sum(1 for f in later if struct.unpack(">I", f[4:8])[0])
            if not later:
                return None  # a torn last frame: an interrupted write, nothing committed lost
            return WalDamage(n, len(later), commits)
        s0, s1 = t0, t1
    return None
