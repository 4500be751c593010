"""fonts.py and linebreak.py replace three private ReportLab functions when the reports are
imported (the ToUnicode map for characters beyond the BMP, and Chinese line breaking), and
font_cache.py's fonts measure text themselves. They
lean on ReportLab's internals, so this test names each internal they rely on and fails, with
what to re-check, as soon as one of them changes: after a ReportLab upgrade, read the
function named in the failure, check the patch still fits it, then update its fingerprint here.
pyproject.toml pins the major version these fingerprints were taken from."""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import re
import sys
import tomllib
from pathlib import Path

import pytest
import reportlab
from reportlab.lib import textsplit
from reportlab.pdfbase import ttfonts
from reportlab.platypus import paragraph

from app.reports import fonts, linebreak

ROOT = Path(__file__).resolve().parents[2]

# (module, function or Class.method): (fingerprint of its source in ReportLab 5.1, what to
# re-check when it changes).
RELIED_ON = {
    ("reportlab.pdfbase.ttfonts", "makeToUnicodeCMap"): (
        "f0614f6620f27d82",
        "fonts._to_unicode_cmap wraps it and rewrites its '> <XXXXX>' lines for code points "
        "beyond the BMP: check the map's line format and the (fontname, subset) arguments",
    ),
    ("reportlab.pdfbase.ttfonts", "TTFont.addObjects"): (
        "3b2c62e4058b5e5a",
        "it must still look makeToUnicodeCMap up as a module global when it writes a font, "
        "or fonts._to_unicode_cmap is never called (𠮷 could not be copied or searched)",
    ),
    ("reportlab.pdfbase.ttfonts", "TTFont.stringWidth"): (
        "2db9266d32673d64",
        "font_cache.LazyTTFont.stringWidth replaces it for a cached face (widths in a sorted "
        "table, which the C accelerator cannot read): check it still measures "
        "0.001 * size * the sum of face.charWidths (defaultWidth for a missing character)",
    ),
    ("reportlab.lib.textsplit", "dumbSplit"): (
        "425148a0035d7b69",
        "linebreak._dumb_split replaces it: check the arguments (word, widths, maxWidths) and "
        "that it still returns [extra space, text] per line",
    ),
    ("reportlab.lib.textsplit", "wordSplit"): (
        "b20d1ce0d5108370",
        "it must still call dumbSplit as a module global with (word, widths, maxWidths)",
    ),
    ("reportlab.platypus.paragraph", "cjkFragSplit"): (
        "7c1c84b4d548b314",
        "linebreak._cjk_frag_split reimplements it: compare the new body (units, forced "
        "breaks, widths with normalizedValue, makeCJKParaLine's arguments, ParaLines(kind=1))",
    ),
    ("reportlab.platypus.paragraph", "cjkU"): (
        "36a6ef3d7ba236b7",
        "linebreak builds its units with cjkU(text, frag, encoding) and reads .width and .frag",
    ),
    ("reportlab.platypus.paragraph", "makeCJKParaLine"): (
        "ba39bef8ea226d81",
        "linebreak calls makeCJKParaLine(units, maxWidth, widthUsed, extraSpace, lineBreak, "
        "calcBounds)",
    ),
    ("reportlab.platypus.paragraph", "Paragraph.breakLinesCJK"): (
        "5e502f9e3093ba10",
        "it must still call cjkFragSplit(frags, maxWidths, calcBounds) as a module global, "
        "and wordSplit for a single-font paragraph",
    ),
}


def source_of(module: str, path: str) -> str:
    """The source of a function or method as written in the module's file (the module's
    attribute may be our replacement)."""
    text = inspect.getsource(importlib.import_module(module))
    node: ast.AST = ast.parse(text)
    for part in path.split("."):
        node = next(
            (
                n
                for n in ast.iter_child_nodes(node)
                if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == part
            ),
            None,
        )
        if node is None:
            pytest.fail(f"ReportLab {reportlab.Version}: {module}.{path} is gone")
    return ast.get_source_segment(text, node)


@pytest.mark.parametrize(("module", "path"), list(RELIED_ON), ids=lambda x: x)
def test_reportlab_internal_is_unchanged(module, path):
    expected, recheck = RELIED_ON[(module, path)]
    found = hashlib.sha256(source_of(module, path).encode()).hexdigest()[:16]
    assert found == expected, (
        f"ReportLab {reportlab.Version} changed {module}.{path} (fingerprint {found}, "
        f"was {expected}). Re-check: {recheck}. Then update RELIED_ON in {Path(__file__).name}."
    )


def test_the_callers_still_look_the_replaced_functions_up_at_call_time():
    """A patch of a module global works only while the caller looks the name up when it runs
    (not a copy taken at import)."""
    for caller, name in (
        (ttfonts.TTFont.addObjects, "makeToUnicodeCMap"),
        (textsplit.wordSplit, "dumbSplit"),
        (paragraph.Paragraph.breakLinesCJK, "cjkFragSplit"),
    ):
        assert name in caller.__code__.co_names, f"{caller.__qualname__} no longer calls {name}"


def test_the_replacements_are_in_place_with_the_same_signatures():
    assert ttfonts.makeToUnicodeCMap is fonts._to_unicode_cmap
    assert textsplit.dumbSplit is linebreak._dumb_split
    assert paragraph.cjkFragSplit is linebreak._cjk_frag_split
    for ours, theirs in (
        (fonts._to_unicode_cmap, fonts._original_to_unicode),
        (linebreak._dumb_split, "reportlab.lib.textsplit:dumbSplit"),
        (linebreak._cjk_frag_split, "reportlab.platypus.paragraph:cjkFragSplit"),
    ):
        if isinstance(theirs, str):
            module, name = theirs.split(":")
            tree = ast.parse(source_of(module, name)).body[0]
            theirs_params = [a.arg for a in tree.args.args]
        else:
            theirs_params = list(inspect.signature(theirs).parameters)
        ours_params = list(inspect.signature(ours).parameters)
        assert len(ours_params) == len(theirs_params), (ours.__name__, theirs_params)


def test_reportlab_is_pinned_to_the_major_version_checked_here():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    spec = next(d for d in deps if d.startswith("reportlab"))
    upper = re.search(r"<\s*(\d+)", spec)
    assert upper, f"pyproject.toml must bound ReportLab's major version: {spec!r}"
    major = int(reportlab.Version.split(".")[0])
    assert major == int(upper.group(1)) - 1, (
        f"ReportLab {reportlab.Version} is installed, {spec!r} pinned: the fingerprints above "
        "were taken from ReportLab 5"
    )


def test_the_web_address_pattern_compiled_on_first_use_still_matches():
    """app.reports defers ReportLab's ``uri_pat`` (15–20 ms to compile at import)."""
    from reportlab.platypus import paragraph

    import app.reports  # noqa: F401

    assert paragraph.uri_pat.match("https://例子.example.org/路径?q=1")
    assert paragraph.uri_pat.match("HTTP://EXAMPLE.ORG")
    assert paragraph.uri_pat.match("不是网址") is None


def test_the_other_patterns_compiled_on_first_use_still_work():
    """app.reports also defers ``textsplit.rx`` and ``rl_safe_eval.__rl_unsafe_re__`` (3–6 ms
    to compile at import): used, they match as compiled ones do. In a fresh interpreter, so
    that app.reports is imported before ReportLab, as the program does."""
    import subprocess
    import sys

    script = (
        "import re, app.reports\n"
        "from reportlab.lib import rl_safe_eval, textsplit\n"
        "from reportlab.platypus import paragraph\n"
        "lazy = [type(p).__name__ for p in "
        "(paragraph.uri_pat, textsplit.rx, rl_safe_eval.__rl_unsafe_re__)]\n"
        "assert lazy == ['_LazyPattern'] * 3, lazy\n"
        "assert textsplit.rx.sub(r'\\1\\0 ', '中文ab') == '中\\0 文\\0 ab'\n"
        "assert rl_safe_eval.__rl_unsafe_re__.search('x.co_argcount')\n"
        "assert not rl_safe_eval.__rl_unsafe_re__.search('argcount')\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_the_patterns_are_deferred_whichever_finder_supplies_the_module(monkeypatch):
    """A bundled program (PyInstaller) supplies ReportLab's modules through a finder of its
    own, not from source files on the path: the pattern is deferred all the same, the
    module's other patterns are compiled, and re.compile is the standard one afterwards."""
    import importlib.util

    import app.reports as reports

    monkeypatch.setitem(reports._DEFERRED_PATTERNS, "zz_bundled_module", "zz-start")

    class Loader:
        def create_module(self, spec):
            return None

        def exec_module(self, module):
            code = "import re\nDEFERRED = re.compile('zz-start.*')\nOTHER = re.compile('b+')\n"
            exec(code, module.__dict__)

    class BundleFinder:
        def find_spec(self, name, path, target=None):
            if name == "zz_bundled_module":
                return importlib.util.spec_from_loader(name, Loader())
            return None

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, BundleFinder()])
    monkeypatch.delitem(sys.modules, "zz_bundled_module", raising=False)
    module = importlib.import_module("zz_bundled_module")
    assert type(module.DEFERRED).__name__ == "_LazyPattern"
    assert module.DEFERRED.match("zz-start here")  # compiled when first used
    assert isinstance(module.OTHER, re.Pattern)
    assert re.compile is reports._real_compile
