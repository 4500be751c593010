"""Run one operation on the worker and report how it went: the one way a tab does a write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import shiboken6
from PySide6.QtWidgets import QDialog, QLabel

from app.core.ops import Op

from ..messages import error_text
from .message_bar import MessageBar, set_level


class _Context(Protocol):
    worker: Any


def _say(target: Any, text: str, *, error: bool) -> None:
    """A done text at the success level, a refusal at the error level: on a MessageBar, or
    on a plain label (styled the same way)."""
    if target is None:
        return
    level = "error" if error else "success"
    if isinstance(target, MessageBar):
        target.say(text, level)
    elif error and isinstance(getattr(target, "error", None), Callable):
        target.error(text)
    elif not error and isinstance(getattr(target, "success", None), Callable):
        target.success(text)
    elif isinstance(target, QLabel):
        set_level(target, level)
        target.setText(text)


SAVING = "zongzhi_saving"  # a dialog's property while the operation of its 确定 runs


def run_op(
    ctx: _Context,
    job: Op,
    *,
    done: Callable[[Any], None] | None = None,
    done_text: str | None = None,
    message: Any = None,
    origin: object = None,
    failed: Callable[[BaseException], None] | None = None,
) -> None:
    """Run ``job`` (``op(service.fn, …)``) on ``ctx.worker``.

    On success: a ``FormDialog`` given as ``message`` is accepted (closed), ``done_text`` is
    shown in ``message`` (a MessageBar or a QLabel), then ``done(value)`` runs. The worker's bus
    has already announced what the operation changed, so the views showing it refresh.

    On refusal: the Chinese message goes to ``message`` — a dialog stays open with what was
    typed — and ``failed(exc)`` runs if given.

    A dialog's 确定 is disabled while its operation runs, so a second click cannot save twice."""
    ok = getattr(message, "ok_button", None) if isinstance(message, QDialog) else None
    if ok is not None:
        ok.setEnabled(False)
    if isinstance(message, QDialog):
        message.setProperty(SAVING, True)  # its 取消 waits for the outcome (FormDialog)

    def alive(target: Any) -> bool:  # a dialog cancelled while it saved is gone
        return target is not None and shiboken6.isValid(target)

    def finished(value: Any) -> None:
        if isinstance(message, QDialog) and alive(message):
            message.setProperty(SAVING, False)
        if alive(ok):
            ok.setEnabled(True)  # for a dialog opened again
        if isinstance(message, QDialog):
            if alive(message):
                message.accept()
        elif done_text is not None:
            _say(message, done_text, error=False)
        if done is not None:
            done(value)

    def refused(exc: BaseException) -> None:
        if isinstance(message, QDialog) and alive(message):
            message.setProperty(SAVING, False)
        if alive(ok):
            ok.setEnabled(True)
        if isinstance(message, QDialog) and hasattr(message, "show_error"):
            if alive(message):
                message.show_error(exc)
        else:
            _say(message, error_text(exc), error=True)
        if failed is not None:
            failed(exc)

    ctx.worker.submit(job, finished, refused, origin=origin)
