"""Drafts of long forms: what is typed is saved to the draft store shortly after each edit, a
later start offers to restore it, and saving the form clears it.

``DraftController`` holds the lifecycle and ``DraftBar`` is the "发现未保存的…" bar with
恢复草稿 / 丢弃. The store's file writes run on the database worker, in order with the form's
saves (a clear queued after a save cannot overtake it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

DRAFT_PAUSE_MS = 800


class DraftBar(QWidget):
    """Hidden until a draft is found. Signals: ``restore_clicked``, ``discard_clicked``."""

    restore_clicked = Signal()
    discard_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.restore_button = QPushButton("恢复草稿")
        self.restore_button.clicked.connect(self.restore_clicked)
        self.discard_button = QPushButton("丢弃")
        self.discard_button.clicked.connect(self.discard_clicked)
        bar.addWidget(self.label, 1)
        bar.addWidget(self.restore_button)
        bar.addWidget(self.discard_button)
        self.setVisible(False)

    def offer(self, text: str) -> None:
        self.label.setText(text)
        self.setVisible(True)


class DraftController(QObject):
    """One user's draft of one form.

    - ``snapshot()`` gives what to keep as a JSON-able dict, or None when there is nothing to
      keep now (no case open, say); with ``clear_when_empty`` None clears the stored draft.
      ``typed(payload)``: the part of it that is typing (default: all of it), compared to
      tell typing from what was filled in; what describes the draft (a case's number read
      after it was saved) is left out of it. ``stored=False``: typing too private for a
      draft file (a family case's minors) is only told apart (``dirty``), never written.
    - ``edited()`` after each edit: the draft is saved after a short pause.
    - ``mark_clean()`` after loading or clearing the form: no draft until it differs again.
    - ``offer(describe)`` at start: shows the bar with ``describe(saved_at, payload)``;
      恢复草稿 emits ``restore(payload)``, 丢弃 clears the draft; ``offer_again(payload)``
      when the restore was declined.
    - ``saved(unchanged)`` once the form was saved: the draft goes; ``unchanged`` (the form
      still shows what was saved) makes that its clean state, else what was typed since stays
      a draft. ``after_save()``, taken as the save starts, calls it when the save
      succeeded. ``clear()`` only deletes the stored draft (丢弃, a dialog cancelled).

    Signals: ``restore(dict)``."""

    restore = Signal(dict)

    def __init__(
        self,
        ctx: Any,
        form: str,
        snapshot: Callable[[], dict | None],
        bar: DraftBar | None = None,
        *,
        clear_when_empty: bool = False,
        typed: Callable[[dict], Any] | None = None,
        stored: bool = True,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.ctx, self.form, self.snapshot = ctx, form, snapshot
        self.stored = stored
        self.typed = typed or (lambda payload: payload)
        self.bar = bar or DraftBar()
        self.clear_when_empty = clear_when_empty
        self.pending: dict | None = None
        self._baseline: Any = None  # typed(snapshot()) when last clean
        self.timer = QTimer(self, singleShot=True, interval=DRAFT_PAUSE_MS)
        self.timer.timeout.connect(self.save_now)
        self.bar.restore_clicked.connect(self.restore_pending)
        self.bar.discard_clicked.connect(self.discard)

    @property
    def store(self):
        return self.ctx.drafts if self.stored else None

    @property
    def user(self) -> str:
        return self.ctx.actor.username

    def edited(self) -> None:
        self.timer.start()

    def _typing(self) -> Any:
        payload = self.snapshot()
        return None if payload is None else self.typed(payload)

    def dirty(self) -> bool:
        """Whether the form holds typing that is neither saved nor only filled in."""
        typing = self._typing()
        return typing is not None and typing != self._baseline

    def mark_clean(self) -> None:
        self.timer.stop()  # loading is not editing
        self._baseline = self._typing()

    def save_now(self) -> None:
        self.timer.stop()
        store = self.store
        if store is None:
            return
        payload = self.snapshot()
        if payload is None:
            if self.clear_when_empty:
                self.clear()
            return
        if self.typed(payload) == self._baseline:
            return
        user, form = self.user, self.form
        self.ctx.worker.submit(lambda _s: store.save(user, form, payload))

    def saved(self, unchanged: bool) -> None:
        """After a save. The form shown as saved is kept nowhere else (closing the program
        leaves no draft of it); text typed while it was saving is kept as a draft."""
        self.clear()
        if unchanged:
            self._baseline = self._typing()
        else:
            self.edited()

    def after_save(self) -> Callable[..., None]:
        """For a save of the form starting now: the callback for when it succeeded, which
        calls ``saved`` — unchanged when nothing was typed while it ran."""
        typing = self._typing()
        return lambda *_result: self.saved(self._typing() == typing)

    def clear(self) -> None:
        self.timer.stop()
        store = self.store
        if store is not None:
            user, form = self.user, self.form
            self.ctx.worker.submit(lambda _s: store.clear(user, form))

    def offer(self, describe: Callable[[datetime, dict], str]) -> bool:
        """Show the bar if a draft was left; True when one was."""
        store = self.store
        found = store.load(self.user, self.form) if store is not None else None
        if not found:
            return False
        saved_at, self.pending = found
        self.bar.offer(describe(saved_at, self.pending))
        return True

    def offer_again(self, payload: dict) -> None:
        """恢复草稿 answered 否 (it would have replaced typing): the bar offers it still."""
        self.pending = payload
        self.bar.setVisible(True)

    def restore_pending(self) -> None:
        payload, self.pending = self.pending, None
        self.bar.setVisible(False)
        if payload:
            self.restore.emit(payload)

    def discard(self) -> None:
        self.pending = None
        self.bar.setVisible(False)
        self.clear()
