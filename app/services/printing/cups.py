"""Send a PDF itself to a CUPS queue (Linux, UOS, Kylin) with ``lp``.

The job is then the document (a 162 KiB 卷宗 stays 162 KiB, not a 7 MiB raster), placed at
100 % (``print-scaling=none``). Windows, and a queue that refuses PDF, take the raster path in
app/views/pdf_preview_dialog.py instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

LP_TIMEOUT_S = 30


@dataclass(frozen=True)
class CupsJob:
    queue: str
    copies: int = 1
    duplex: bool = False
    landscape: bool = False
    pages: tuple[int, int] | None = None  # 1-based, inclusive; None: the whole document
    title: str = ""


class PrintFailed(Exception):
    """The job was not handed to the printing system; ``message`` is one Chinese line."""

    def __init__(self, message: str, refuses_pdf: bool = False):
        super().__init__(message)
        self.message = message
        self.refuses_pdf = refuses_pdf  # this queue wants another format: print the raster


def lp_program() -> str | None:
    """``lp`` where CUPS is the printing system; None on Windows or without CUPS."""
    if sys.platform == "win32":
        return None
    return shutil.which("lp")


def sides(job: CupsJob) -> str:
    if not job.duplex:
        return "one-sided"
    # Bound on the page's long edge as it reads: a landscape page turns over the paper's short one.
    return "two-sided-short-edge" if job.landscape else "two-sided-long-edge"


def lp_command(job: CupsJob, program: str = "lp") -> list[str]:
    """The ``lp`` command line for ``job``; the PDF is given on standard input."""
    if job.copies < 1:
        raise ValueError("copies must be at least 1")
    cmd = [program, "-d", job.queue, "-n", str(job.copies), "-o", f"sides={sides(job)}"]
    cmd += ["-o", "print-scaling=none", "-o", "media=A4"]
    if job.copies > 1:
        cmd += ["-o", "collate=true"]
    if job.pages is not None:
        first, last = job.pages
        cmd += ["-o", f"page-ranges={first}-{last}"]
    if job.title:
        cmd += ["-t", job.title]
    cmd.append("-")  # the document on stdin: nothing written to disk
    return cmd


_REQUEST_ID = re.compile(r"request id is (\S+)")


def explain(stderr: str, queue: str) -> PrintFailed:
    """One Chinese line for what ``lp`` said on failure."""
    said = " ".join(stderr.split())
    low = said.lower()
    if "document-format" in low or "unsupported format" in low:
        return PrintFailed(f"打印机“{queue}”不接受 PDF，改为逐页发送。", refuses_pdf=True)
    if "does not exist" in low or "not found" in low or "unknown printer" in low:
        return PrintFailed(f"找不到打印机“{queue}”，请确认打印机已安装，或另选一台打印机。")
    if "not accepting" in low or "disabled" in low or "stopped" in low or "offline" in low:
        return PrintFailed(f"打印机“{queue}”已暂停或离线，未能送出打印任务，请检查打印机后重试。")
    if "forbidden" in low or "not authorized" in low or "unauthorized" in low:
        return PrintFailed(f"没有权限使用打印机“{queue}”，请联系管理员。")
    if "scheduler" in low or "connect" in low:
        return PrintFailed("打印服务（CUPS）没有运行，未能送出打印任务，请联系管理员。")
    reason = said.removeprefix("lp:").strip() or "未知错误"
    return PrintFailed(f"打印系统报错，未能送出打印任务：{reason}")


def submit(pdf: bytes, job: CupsJob, program: str | None = None) -> str:
    """Hand ``pdf`` to the queue; the job id CUPS gave it (or "" if it printed none).
    A PrintFailed with one Chinese line if the job was not accepted."""
    program = program or lp_program()
    if program is None:
        raise PrintFailed("这台电脑没有 CUPS 打印系统（找不到 lp 命令）。")
    env = dict(os.environ, LC_ALL="C", LANG="C")  # lp's messages in English, to recognise
    try:
        done = subprocess.run(
            lp_command(job, program),
            input=pdf,
            capture_output=True,
            timeout=LP_TIMEOUT_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PrintFailed(
            f"打印系统 {LP_TIMEOUT_S} 秒没有回应，未能确认打印任务已送出，请检查打印机。"
        ) from None
    except OSError as exc:
        raise PrintFailed(f"无法运行打印命令 lp：{exc.strerror or exc}") from None
    if done.returncode != 0:
        raise explain(done.stderr.decode("utf-8", "replace"), job.queue)
    found = _REQUEST_ID.search(done.stdout.decode("utf-8", "replace"))
    return found.group(1) if found else ""
