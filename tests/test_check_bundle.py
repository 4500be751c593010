"""installer/check_bundle.py, which ``make bundle`` and ``make deb`` run on what they built: it
passes a program that works and stops on one that cannot print. The program here is this
checkout's, behind a script named as the bundle's command line."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from installer import check_bundle
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the stand-in bundle is a shell script")


def _bundle(tmp_path, before: str = "") -> object:
    folder = tmp_path / "bundle"
    folder.mkdir()
    cli = folder / "zongzhi-cli"
    cli.write_text(
        f'#!/bin/sh\n{before}\ncd "{ROOT}" && exec "{sys.executable}" -m app "$@"\n',
        encoding="utf-8",
    )
    cli.chmod(cli.stat().st_mode | stat.S_IXUSR)
    return folder


def test_a_working_program_passes_with_what_was_printed(tmp_path):
    done = check_bundle.check(_bundle(tmp_path))
    receipt = next(line for line in done if line.startswith("print receipt BS"))
    assert "：1 页" in receipt and "WenQuanYi" in receipt  # the Chinese face is embedded
    assert any(line.startswith("print casefile ") for line in done)
    assert any(line.startswith("export ledger matters：") for line in done)
    assert "screenshot --all：全部 12 个标签页，宽 1366 像素" in done


def test_a_program_that_cannot_print_a_receipt_stops_the_build(tmp_path):
    fails = 'case "$1" in print) echo "No such file or directory: qrencoder.py" >&2; exit 1;; esac'
    with pytest.raises(check_bundle.BundleBroken, match="print receipt 失败（退出码 1）") as caught:
        check_bundle.check(_bundle(tmp_path, fails))
    assert "qrencoder.py" in str(caught.value)  # the program's own message is shown


def test_a_missing_command_line_is_named(tmp_path):
    with pytest.raises(check_bundle.BundleBroken, match="找不到 .*zongzhi-cli"):
        check_bundle.check(tmp_path)
