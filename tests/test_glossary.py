"""Every ORM class names its Chinese term first thing, and docs/GLOSSARY.md lists it (issue 13:
a newcomer finds 调解笔录 or 督办单 in the code, and the code's names in the glossary)."""

from __future__ import annotations

import re
from pathlib import Path

import app.models  # noqa: F401 — registers every model
from app.models import load_all
from app.models.base import Base

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "GLOSSARY.md"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _orm_classes() -> list[type]:
    load_all()  # the rooms' tables too (app.models registers them when first named)
    return sorted((m.class_ for m in Base.registry.mappers), key=lambda c: c.__name__)


def test_every_orm_class_opens_its_docstring_with_a_chinese_term():
    classes = _orm_classes()
    assert len(classes) > 50
    missing = [
        c.__name__
        for c in classes
        if not CHINESE.search(((c.__doc__ or "").strip().splitlines() or [""])[0])
    ]
    assert missing == []


def test_the_glossary_lists_every_orm_class():
    text = GLOSSARY.read_text(encoding="utf-8")
    missing = [c.__name__ for c in _orm_classes() if f"`{c.__name__}`" not in text]
    assert missing == []


def test_the_code_cites_only_documents_that_are_in_the_repository():
    """A citation like ``docs/DOMAIN.md §2`` names a file in docs/ and a section it has."""
    root = GLOSSARY.parents[1]
    names = "DOMAIN|DESIGN|SECURITY|STYLE|ARCHITECTURE"
    cited = re.compile(rf"(?:docs/)?((?:{names})\.md)(?:``)?(?: (§\d+))?")
    problems = []
    for path in [*root.joinpath("app").rglob("*.py"), *root.joinpath("tests").rglob("*.py")]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name, section in cited.findall(line):
                doc = root / "docs" / name
                where = f"{path.relative_to(root)}:{n}"
                if not doc.is_file() or "docs/" + name not in line:
                    problems.append(f"{where} cites {name} outside docs/")
                elif section and f"## {section}." not in doc.read_text(encoding="utf-8"):
                    problems.append(f"{where} cites {name} {section}, which it lacks")
    assert problems == []
