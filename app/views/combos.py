"""Combo-box helpers, and type-ahead by characters or pinyin initials.

``TypeAheadCombo`` is a drop-in ``QComboBox``: with the combo focused, typing "xt", "xiat" or
"下塘" (through the input method) jumps to 下塘村 — no pressing Down 17 times. ``PinyinCompleter``
gives a free-text line edit (承办人) the same matching over a list of names.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter, QLineEdit, QWidget

# A pause longer than this starts a new search; typing within it extends the one before.
TYPE_AHEAD_PAUSE_S = 1.0


def find_data(combo: QComboBox, value: object) -> int:
    """Index of the item whose data equals ``value`` (-1 if none).

    ``QComboBox.findData`` compares QVariants and misses Python objects such as UUIDs.
    """
    for i in range(combo.count()):
        if combo.itemData(i) == value:
            return i
    return -1


_KEYS: dict[str, tuple[str, str]] = {}


def search_keys(text: str) -> tuple[str, str]:
    """("xiatangcun", "xtc") for 下塘村; cached, since the same names are asked for often."""
    keys = _KEYS.get(text)
    if keys is None:
        from app.services.pinyin import name_keys  # pypinyin loads at the first letter typed

        keys = _KEYS[text] = name_keys(text)
    return keys


def match_rank(text: str, typed: str) -> int | None:
    """How well ``typed`` names ``text`` (lower is better; None: not at all).

    0: the text starts with what was typed (下塘 → 下塘村); 1: the pinyin initials are it
    (xtc → 下塘村 before 西塘村头); 2: they start with it (xt); 3: the full pinyin is it;
    4: the full pinyin starts with it (xiatang); 5: the text contains it (塘 → 塘下村)."""
    if not typed:
        return None
    if text.startswith(typed):
        return 0
    low = typed.lower()
    if low.isascii() and low.isalpha():
        pinyin, initials = search_keys(text)
        if initials == low:
            return 1
        if initials.startswith(low):
            return 2
        if pinyin == low:
            return 3
        if pinyin.startswith(low):
            return 4
        return None
    if typed in text:
        return 5
    return None


def best_match(texts: list[str], typed: str, skip: int = 0) -> int:
    """Index of the best of ``texts`` for ``typed`` (the first of equals), -1 if none;
    the first ``skip`` items (placeholders such as “（请选择类别）”) are not candidates."""
    best, best_rank = -1, None
    for i, text in enumerate(texts):
        if i < skip:
            continue
        rank = match_rank(text, typed)
        if rank is not None and (best_rank is None or rank < best_rank):
            best, best_rank = i, rank
            if rank == 0:
                break
    return best


def _is_search_key(event: QKeyEvent) -> bool:
    """A key that types something (a letter, a digit, a character), not Space or a shortcut."""
    text = event.text()
    mods = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
    return (
        bool(text)
        and text.isprintable()
        and not text.isspace()
        and mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
    )


class TypeAheadCombo(QComboBox):
    """A ``QComboBox`` that jumps to the item typed: its characters, pinyin initials or pinyin.

    Letters typed within ``TYPE_AHEAD_PAUSE_S`` of each other extend one search; Backspace
    takes the last one back. Items whose data is None (placeholders) are not jumped to.
    Arrow keys, Space, F4 and the popup work as in any combo box."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.typed = ""
        self._last_key = 0.0
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        # The list's view is made when the list first opens, not with every combo of a form
        # (issue 17: log-in builds a dozen of them).
        self._view_watched = False

    def showPopup(self) -> None:
        if not self._view_watched:
            self._view_watched = True
            self.view().installEventFilter(self)  # the same search while the list is open
        super().showPopup()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and obj is self.view() and _is_search_key(event):
            if self.type_ahead(event.text()):
                self.view().setCurrentIndex(self.model().index(self.currentIndex(), 0))
            return True
        return super().eventFilter(obj, event)

    def _texts(self) -> list[str]:
        return [self.itemText(i) for i in range(self.count())]

    def _placeholders(self) -> int:
        n = 0
        while n < self.count() and self.itemData(n) is None:
            n += 1
        return n

    def type_ahead(self, text: str) -> bool:
        """Add ``text`` to the search and choose the best item; False if nothing matches
        (the choice then stays)."""
        if time.monotonic() - self._last_key > TYPE_AHEAD_PAUSE_S:
            self.typed = ""
        wanted = self.typed + text
        i = best_match(self._texts(), wanted, self._placeholders())
        if i < 0 and self.typed:  # "xt" then "b": a new search for "b" if "xtb" names nothing
            wanted = text
            i = best_match(self._texts(), wanted, self._placeholders())
        # Counted from the end of the search: the first one loads pypinyin's tables.
        self._last_key = time.monotonic()
        if i < 0:
            QApplication.beep()
            return False
        self.typed = wanted
        if i != self.currentIndex():
            self.setCurrentIndex(i)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _is_search_key(event):
            self.type_ahead(event.text())
            event.accept()
            return
        if event.key() == Qt.Key.Key_Backspace and self.typed:
            self.typed = self.typed[:-1]
            self._last_key = time.monotonic()
            if self.typed:
                i = best_match(self._texts(), self.typed, self._placeholders())
                if i >= 0:
                    self.setCurrentIndex(i)
            event.accept()
            return
        if event.key() not in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt):
            self.typed = ""
        super().keyPressEvent(event)

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        # Chinese typed through the input method arrives as whole committed characters.
        if event.commitString():
            self.type_ahead(event.commitString())
        event.accept()

    def focusOutEvent(self, event) -> None:
        self.typed = ""
        super().focusOutEvent(event)


class PinyinCompleter(QCompleter):
    """Completes names in a line edit from their characters, pinyin initials or pinyin:
    "wx" or "王" offers 王晓. The name alone is put into the field. ``attach(line_edit)``
    sets it on the field; the pinyin is worked out at the first key typed there."""

    def __init__(self, names: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        # The list shows the names; matching is against "name initials pinyin".
        self.setModel(QStandardItemModel(self))
        self.setCompletionRole(SEARCH_ROLE)
        self.names: list[str] = []
        self._keyed = False
        self.set_names(names)

    def attach(self, line_edit: QLineEdit) -> None:
        line_edit.textEdited.connect(self._ensure_keys)  # before the completer's own slot
        line_edit.setCompleter(self)

    def set_names(self, names: list[str]) -> None:
        self.names = [n for n in dict.fromkeys(names) if n]
        self._keyed = False

    def _ensure_keys(self, _text: str = "") -> None:
        if self._keyed:
            return
        self._keyed = True
        model = self.model()
        model.clear()
        for name in self.names:
            pinyin, initials = search_keys(name)
            item = QStandardItem(name)
            item.setData(f"{name} {initials} {pinyin}", SEARCH_ROLE)
            model.appendRow(item)

    def pathFromIndex(self, index) -> str:
        return str(index.data(Qt.ItemDataRole.DisplayRole))


SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
