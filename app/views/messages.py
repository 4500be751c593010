"""How a view words a failed service call: what to fix, what the machine says, or a bug."""

from __future__ import annotations

from app.core.errors import EnvironmentProblem, ServiceError, ValidationError


def error_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "\n".join(exc.fields.values())
    if isinstance(exc, ServiceError | EnvironmentProblem):
        return exc.message
    return f"操作出错：{exc}"
