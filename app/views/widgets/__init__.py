"""Widgets the tabs share: the form dialog and its field rows, the draft controller and its
bar, the table helpers and the plain-rows model, the message bar, and ``run_op`` — run a
marked service function on the worker and report how it went.

Each name is imported when first asked for (PEP 562): the log-in window needs only the
message bar, not the table models and what they bring (issue 17)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .drafts import DraftBar, DraftController
    from .form_dialog import FieldRow, FormDialog
    from .lock_cover import HIDDEN_AT_LOCK, LockCover, still_hidden_at_lock
    from .message_bar import MessageBar
    from .open_copy import open_copy, show_file
    from .rows_model import ID_ROLE, Row, RowsModel, rows_view, select_row_quietly
    from .run import run_op
    from .tab_helpers import ask_to_give_up, load_when_shown, tab_shortcut
    from .tables import DateEdit, add_row, cell, date_edit, enum_combo, input_table

_WHERE = {
    "DraftBar": "drafts",
    "DraftController": "drafts",
    "FieldRow": "form_dialog",
    "FormDialog": "form_dialog",
    "HIDDEN_AT_LOCK": "lock_cover",
    "LockCover": "lock_cover",
    "still_hidden_at_lock": "lock_cover",
    "MessageBar": "message_bar",
    "open_copy": "open_copy",
    "show_file": "open_copy",
    "ID_ROLE": "rows_model",
    "Row": "rows_model",
    "RowsModel": "rows_model",
    "rows_view": "rows_model",
    "select_row_quietly": "rows_model",
    "run_op": "run",
    "ask_to_give_up": "tab_helpers",
    "load_when_shown": "tab_helpers",
    "tab_shortcut": "tab_helpers",
    "DateEdit": "tables",
    "add_row": "tables",
    "cell": "tables",
    "date_edit": "tables",
    "enum_combo": "tables",
    "input_table": "tables",
}

__all__ = [
    "HIDDEN_AT_LOCK",
    "ID_ROLE",
    "DateEdit",
    "DraftBar",
    "DraftController",
    "FieldRow",
    "FormDialog",
    "LockCover",
    "MessageBar",
    "Row",
    "RowsModel",
    "add_row",
    "ask_to_give_up",
    "cell",
    "date_edit",
    "enum_combo",
    "input_table",
    "load_when_shown",
    "open_copy",
    "rows_view",
    "run_op",
    "select_row_quietly",
    "show_file",
    "still_hidden_at_lock",
    "tab_shortcut",
]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
