"""Reading the resident ID card: the GA 467 frames, a pretend reader on a pty, the vendor
library path (a fake libtermb.so built here), the checks on what the card says, and the
per-terminal settings. No database: a card read is plain data until the visit is saved."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest

from app.services.idcard import card as card_mod
from app.services.idcard import ga467
from app.services.idcard.card import (
    CardReadFailed,
    NoCard,
    ReaderNotFound,
    card_warnings,
    encode_text,
    parse_text,
)
from app.services.idcard.settings import (
    ReaderSettings,
    load_reader_settings,
    open_source,
    save_reader_settings,
)
from tests.conftest import skip_without

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the pretend reader needs a pty")

RARE = "𠈌"  # U+2020C, CJK extension B: a surrogate pair in UCS-2


@pytest.fixture
def sim():
    from app.services.idcard.simulator import CardSimulator

    with CardSimulator() as s:
        yield s


def sample(**changes):
    from app.services.idcard.simulator import SAMPLE_CARD

    return replace(SAMPLE_CARD, **changes)


# --- the protocol


def test_frames_carry_length_and_xor_check():
    assert ga467.frame(ga467.FIND_CARD) == bytes.fromhex("AAAAAA9669 0003 2001 22")
    assert ga467.frame(ga467.READ_BASE) == bytes.fromhex("AAAAAA9669 0003 3001 32")


def test_card_text_is_fixed_ucs2_fields_with_surrogate_pairs():
    text = encode_text(sample(name="李" + RARE + "䶮", sex="女", nation="维吾尔族"))
    assert len(text) == 256
    assert RARE.encode("utf-16-le") in text[:30]  # D840 DE0C: two UTF-16 units
    card = parse_text(text)
    assert card.name == "李𠈌䶮" and len(card.name) == 3
    assert (card.sex, card.nation) == ("女", "维吾尔族")
    assert card.birth == date(1949, 12, 31) and card.valid_until is None  # 长期
    assert card.id_number == "11010519491231002X"


def test_damaged_text_is_a_read_failure_not_a_name():
    text = bytearray(encode_text(sample()))
    text[0:2] = b"\x40\xd8"  # half a surrogate pair
    with pytest.raises(CardReadFailed, match="无法识别"):
        parse_text(bytes(text))
    text = bytearray(encode_text(sample()))
    text[30:32] = "7".encode("utf-16-le")  # sex code 7 is no GB/T 2261.1 code
    with pytest.raises(CardReadFailed, match="性别代码"):
        parse_text(bytes(text))
    with pytest.raises(CardReadFailed, match="不全"):
        parse_text(text[:100])


def test_nation_codes_are_gb_3304():
    assert len(card_mod.NATIONS) == 58
    assert (card_mod.NATIONS["01"], card_mod.NATIONS["56"]) == ("汉族", "基诺族")


# --- a pretend reader on a pseudo-terminal


def test_a_good_card_end_to_end(sim):
    sim.with_card(name="王" + RARE)
    card = ga467.Ga467Source(sim.port).read_card(timeout=1)
    assert card.name == "王𠈌"
    assert card.address.startswith("北京市西城区") and card.authority == "北京市公安局西城分局"
    assert len(card.photo) == 1024
    assert sim.commands == [ga467.FIND_CARD, ga467.SELECT_CARD, ga467.READ_BASE]


def test_no_card(sim):
    sim.card = None
    with pytest.raises(NoCard, match="请放卡"):
        ga467.Ga467Source(sim.port).read_card(timeout=1)


@pytest.mark.parametrize(
    ("misbehaviour", "message"),
    [
        ({"bad_checksum": True}, "校验和错误"),
        ({"truncate": True}, "不完整"),
        ({"removed_mid_read": True}, "证件可能被移开"),
    ],
)
def test_failures_say_what_went_wrong(sim, misbehaviour, message):
    from app.services.idcard.simulator import Behaviour

    sim.behaviour = Behaviour(**misbehaviour)
    with pytest.raises(CardReadFailed, match=message) as err:
        ga467.Ga467Source(sim.port).read_card(timeout=0.3)
    assert err.value.message.startswith("读卡失败：")


def test_a_slow_reader_is_waited_for_and_a_silent_one_times_out(sim):
    from app.services.idcard.simulator import Behaviour

    sim.behaviour = Behaviour(delay=0.05)
    assert ga467.Ga467Source(sim.port).read_card(timeout=1).name == "王𠈌"
    sim.behaviour = Behaviour(silent=True)
    with pytest.raises(ReaderNotFound, match="未检测到读卡器"):
        ga467.Ga467Source(sim.port).read_card(timeout=0.2)


def test_the_reader_is_found_by_probing_the_likely_ports(sim, tmp_path):
    source = ga467.Ga467Source(None, candidates=lambda: [str(tmp_path / "ttyUSB9"), sim.port])
    assert source.read_card(timeout=1).id_number == "11010519491231002X"
    assert source.port == sim.port
    with pytest.raises(ReaderNotFound, match="未检测到读卡器"):
        ga467.find_reader([str(tmp_path / "ttyUSB9")])


def test_a_missing_port_is_no_reader(tmp_path):
    with pytest.raises(ReaderNotFound, match="打不开端口"):
        ga467.Ga467Source(str(tmp_path / "ttyUSB0")).read_card(timeout=0.2)


# --- the vendor library

FAKE_LIB = r"""
#include <stdio.h>
#include <stdlib.h>
static int opened = 0;
int InitComm(int port) { opened = (port == 1001); return opened; }
int Authenticate(void) { const char *c = getenv("FAKE_CARD"); return opened && c && *c; }
int Read_Content(int active) {
    const char *src = getenv("FAKE_CARD");
    FILE *in = fopen(src, "rb"), *out = fopen("wz.txt", "wb");
    char buf[256];
    size_t n;
    if (!in || !out) return -3;
    n = fread(buf, 1, sizeof buf, in);
    fwrite(buf, 1, n, out);
    fclose(in); fclose(out);
    return 1;
}
int CloseComm(void) { opened = 0; return 1; }
"""


@pytest.fixture(scope="module")
def fake_library(tmp_path_factory):
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        skip_without("a C compiler (cc, gcc or clang) to build the fake libtermb.so")
    folder = tmp_path_factory.mktemp("termb")
    (folder / "termb.c").write_text(FAKE_LIB)
    lib = folder / "libtermb.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-o", str(lib), str(folder / "termb.c")], check=True
    )
    return lib


def test_vendor_library_reads_the_card(fake_library, tmp_path, monkeypatch):
    from app.services.idcard import vendor
    from app.services.idcard.vendor import VendorLibrarySource

    monkeypatch.chdir(tmp_path)
    card_file = tmp_path / "card.bin"
    card_file.write_bytes(encode_text(sample(name="张" + RARE)))
    monkeypatch.setenv("FAKE_CARD", str(card_file))
    source = VendorLibrarySource(str(fake_library))
    card = source.read_card()
    assert card.name == "张𠈌" and source._open_port == 1001
    monkeypatch.setenv("FAKE_CARD", "")
    with pytest.raises(NoCard):
        source.read_card()
    source.close()
    with pytest.raises(ReaderNotFound, match="没有 InitComm"):
        vendor._function(object(), "InitComm", "libother.so")
    with pytest.raises(ReaderNotFound, match="找不到读卡器动态库"):
        VendorLibrarySource(str(tmp_path / "libnone.so")).read_card()


# --- what the card says, checked


def test_checks_warn_but_never_refuse(clock):
    clock.freeze("2027-01-05")
    assert card_warnings(sample()) == []
    assert card_warnings(sample(valid_until=date(2030, 1, 1))) == []
    (expired,) = card_warnings(sample(valid_until=date(2026, 12, 31)))
    assert "已过期" in expired and "照常登记" in expired
    (sex,) = card_warnings(sample(sex="男"))
    assert "性别" in sex
    (born,) = card_warnings(sample(birth=date(1949, 12, 30)))
    assert "出生日期" in born
    (number,) = card_warnings(sample(id_number="110105194912310021"))
    assert "校验位" in number


# --- this terminal's reader


def test_reader_settings_are_kept_per_terminal(tmp_path):
    assert load_reader_settings() == ReaderSettings()
    save_reader_settings(ReaderSettings("serial", " /dev/ttyUSB3 ", "", True))
    assert load_reader_settings() == ReaderSettings("serial", "/dev/ttyUSB3", "", True)
    assert isinstance(open_source(), ga467.Ga467Source)
    with pytest.raises(Exception, match="请选择厂家提供的"):
        save_reader_settings(ReaderSettings("library"))
    with pytest.raises(ReaderNotFound, match="不用读卡器"):
        open_source(ReaderSettings("off"))
    # A vendor library's port typed in full width reads as its digits; other scripts' digits are
    # refused in Chinese, not a crash when the reader is opened.
    kept = save_reader_settings(ReaderSettings("library", "１００１", "/opt/termb.so"))
    assert kept.port == "1001"
    for odd in ("\u0661\u0660", "1001a"):
        with pytest.raises(Exception, match="动态库的端口是数字"):
            save_reader_settings(ReaderSettings("library", odd, "/opt/termb.so"))


# --- zongzhi card-test


def test_card_test_prints_the_card_masked_or_says_what_is_wrong(capsys, tmp_path):
    from app.cli import main

    assert main(["card-test", "--simulate"]) == 0
    out = capsys.readouterr().out
    assert "姓名：王𠈌" in out and "公民身份号码：110105********002X" in out
    assert "有效期限：2016.03.01-长期" in out
    assert main(["card-test", "--simulate", "--show"]) == 0
    assert "公民身份号码：11010519491231002X" in capsys.readouterr().out
    assert main(["card-test", "--port", str(tmp_path / "ttyUSB0")]) == 1
    err = capsys.readouterr().err
    assert "未检测到读卡器" in err and "没有这个端口" in err and "本终端设备" in err
