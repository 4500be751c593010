"""Typed errors with messages a receptionist can act on (Simplified Chinese).

Two families: ``ServiceError`` (the request was refused: bad input, no permission, not found)
and ``EnvironmentProblem`` (the machine is in the way: database locked, disk full, database
newer than the program). Anything else is a bug.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refused request; ``str(err)`` is the Chinese message to show.

    ``after_rollback`` holds writes that must outlive the refusal (its audit row): the
    request's transaction rolls back, then ``Database.write`` runs them in one of their own.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        self.after_rollback: list = []


class ValidationError(ServiceError):
    """Bad input. ``fields`` maps a field key to its message, so a form can mark each field."""

    def __init__(self, fields: dict[str, str] | str):
        if isinstance(fields, str):
            fields = {"": fields}
        self.fields = dict(fields)
        super().__init__("；".join(self.fields.values()))


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class RightsChanged(PermissionDenied):
    """The signed-in user was disabled or given another role since signing in: whatever the
    open session asks is refused, and the window locks until they sign in again."""

    MESSAGE = "账号权限已变更，请重新登录。"

    def __init__(self, message: str = MESSAGE):
        super().__init__(message)


class AuthError(ServiceError):
    """Wrong user name or password, or a locked/disabled account."""


class EnvironmentProblem(Exception):
    """The environment, not the request: show the message, keep the typed data, let them retry."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DatabaseLocked(EnvironmentProblem):
    pass


class DiskFull(EnvironmentProblem):
    pass


class DatabaseTooNew(EnvironmentProblem):
    pass


class DatabaseUnusable(EnvironmentProblem):
    pass


class DatabaseDamaged(DatabaseUnusable):
    """The database file itself is damaged: restore it from a backup, do not write to it."""
