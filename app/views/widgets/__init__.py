"""Widgets the tabs share: the form dialog and its field rows, the draft controller and its
bar, the table helpers and the plain-rows model, the message bar, and ``run_op`` — run a
marked service function on the worker and report how it went."""

from __future__ import annotations

from .drafts import DraftBar, DraftController
from .form_dialog import FieldRow, FormDialog
from .message_bar import MessageBar
from .rows_model import ID_ROLE, Row, RowsModel, rows_view
from .run import run_op
from .tab_helpers import load_when_shown, tab_shortcut
from .tables import DateEdit, add_row, cell, date_edit, enum_combo, input_table

__all__ = [
    "ID_ROLE",
    "DateEdit",
    "DraftBar",
    "DraftController",
    "FieldRow",
    "FormDialog",
    "MessageBar",
    "Row",
    "RowsModel",
    "add_row",
    "cell",
    "date_edit",
    "enum_combo",
    "input_table",
    "load_when_shown",
    "rows_view",
    "run_op",
    "tab_shortcut",
]
