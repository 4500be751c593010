"""Who holds the key of the counselling notes: envelope keys, wraps, recovery.

One data key per center. It is never stored: each counsellor's copy is wrapped under a key
derived from that counsellor's password (Argon2id, own salt), and one more copy is wrapped for
the center's recovery key. The recovery key is an X25519 key pair made at set-up; only its
public half is stored, the private half is printed (``zongzhi counselling-recovery``) and kept
in a safe. So whoever first creates the data key can wrap it for the recovery key without
knowing it, and no data key ever exists without a recovery wrap.

- A password change re-wraps the counsellor's copy (old password opens, new one closes).
- An admin's password reset marks the copy stale (kept, not destroyed) and gives no access
  until another counsellor grants it in person or the recovery key restores it.
- The unwrapped key lives only in memory, in a ``NotesKeyHandle``; ``drop()`` forgets it
  (on lock and log-out).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import AuthError, NotFound, PermissionDenied, ServiceError, ValidationError
from app.core.ops import Change, read_op, write_op
from app.models import NotesKey, NotesKeyWrap, NotesRecoveryKey, Role, User
from app.models.base import now
from app.services.center.settings import load_settings
from app.services.context import Actor
from app.services.security import audit
from app.services.security import notes_crypto as nc
from app.services.security.lockout import check_user_password
from app.services.security.permissions import Action, require

RECOVERY_KDF = "x25519-hkdf-sha256"
_RAW = serialization.Encoding.Raw


class NotesLocked(ServiceError):
    """The notes key is not open (never unlocked, or dropped on lock / log-out)."""

    def __init__(self, message: str = "咨询记录已锁定，请输入您的登录密码打开。"):
        super().__init__(message)


class NoNotesAccess(ServiceError):
    pass


class NotesKeyHandle:
    """The unwrapped data key, in memory only, for one logged-in counsellor."""

    # Passed to an operation for a user who lost the counsellor's role (or was disabled),
    # the key is dropped there (``security.rights``).
    drop_on_rights_change = True

    def __init__(self, key_id: uuid.UUID, user_id: uuid.UUID | None, key: bytearray):
        self.key_id = key_id
        self.user_id = user_id
        self._key: bytearray | None = key

    @property
    def is_open(self) -> bool:
        return self._key is not None

    def material(self) -> bytes:
        if self._key is None:
            raise NotesLocked()
        return bytes(self._key)

    def drop(self) -> None:
        """Forget the key: overwrite our copy (Python may hold transient copies elsewhere)."""
        if self._key is not None:
            for i in range(len(self._key)):
                self._key[i] = 0
        self._key = None

    def __repr__(self) -> str:  # never the key itself, in a log or a crash report
        return f"NotesKeyHandle(key_id={self.key_id}, open={self.is_open})"


class AccessState(StrEnum):
    NO_RECOVERY = "no_recovery"  # set-up not done: no notes can be written yet
    FIRST = "first"  # recovery set up, no data key yet: the first unlock creates it
    GRANTED = "granted"
    STALE = "stale"  # password reset by the admin: waits for a re-grant
    NONE = "none"  # never granted


ACCESS_MESSAGES = {
    AccessState.NO_RECOVERY: "暖心工作室尚未设置恢复密钥，还不能记录咨询内容：请系统管理员运行 "
    "zongzhi counselling-recovery 打印恢复密钥并存入保险柜。",
    AccessState.FIRST: "输入您的登录密码，建立本中心的咨询记录密钥。",
    AccessState.GRANTED: "输入您的登录密码打开咨询记录。",
    AccessState.STALE: "您的密码已被管理员重置，原有授权已失效：请另一位心理咨询师在场为您授权，"
    "或用中心保管的恢复密钥恢复。",
    AccessState.NONE: "您还没有咨询记录的访问权限：请另一位心理咨询师在场为您授权，"
    "或用中心保管的恢复密钥恢复。",
}


@dataclass(frozen=True)
class RecoverySheet:
    """What the recovery-key PDF prints. ``key_text`` is shown once and never stored."""

    center_name: str
    key_text: str
    fingerprint: str
    created_at: datetime


# --- helpers -------------------------------------------------------------------------------


def _center_key(session: Session) -> NotesKey | None:
    return session.scalar(select(NotesKey).order_by(NotesKey.created_at).limit(1))


def _recovery(session: Session) -> NotesRecoveryKey | None:
    return session.scalar(
        select(NotesRecoveryKey).order_by(NotesRecoveryKey.created_at.desc()).limit(1)
    )


def _user_wrap(session: Session, key_id: uuid.UUID, user_id: uuid.UUID) -> NotesKeyWrap | None:
    return session.scalar(
        select(NotesKeyWrap).where(NotesKeyWrap.key_id == key_id, NotesKeyWrap.user_id == user_id)
    )


def _wrap_aad(key_id: uuid.UUID, holder: str) -> bytes:
    return nc.associated_data("notes_key_wraps", key_id, holder)


def _algorithm(session: Session) -> str:
    return nc.check_algorithm(load_settings(session).notes_algorithm)


def _fingerprint(public: bytes) -> str:
    h = hashlib.sha256(public).hexdigest().upper()[:16]
    return "-".join(h[i : i + 4] for i in range(0, 16, 4))


def _encode_recovery(private: bytes) -> str:
    raw = private + hashlib.sha256(private).digest()[:2]
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def _decode_recovery(text: str) -> bytes:
    clean = "".join(text.upper().split()).replace("-", "").replace("0", "O").replace("1", "I")
    try:
        raw = base64.b32decode(clean + "=" * (-len(clean) % 8))
    except ValueError:
        raw = b""
    if len(raw) != 34 or hashlib.sha256(raw[:32]).digest()[:2] != raw[32:]:
        raise ValidationError(
            {"recovery_key": "恢复密钥不正确：请对照打印件逐组核对（共 11 组，每组 5 个字符）"}
        )
    return raw[:32]


def _recovery_kek(shared: bytes, eph_public: bytes, rec_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"zongzhi-recovery-wrap/" + eph_public + rec_public,
    ).derive(shared)


def _wrap_for_user(
    session: Session,
    key_id: uuid.UUID,
    data_key: bytes,
    user_id: uuid.UUID,
    password: str,
    granted_by: uuid.UUID | None,
) -> NotesKeyWrap:
    alg = _algorithm(session)
    salt = nc.new_salt()
    kek = nc.password_key(password, salt)
    wrapped = nc.seal(alg, kek, data_key, _wrap_aad(key_id, f"user:{user_id}"))
    wrap = _user_wrap(session, key_id, user_id)
    if wrap is None:
        wrap = NotesKeyWrap(key_id=key_id, user_id=user_id)
        session.add(wrap)
    wrap.crypt_alg, wrap.kdf, wrap.salt, wrap.wrapped = alg, nc.KDF_TAG, salt, wrapped
    wrap.stale, wrap.granted_by, wrap.created_at = False, granted_by, now()
    session.flush()
    return wrap


def _unwrap_user(wrap: NotesKeyWrap, password: str) -> bytearray:
    kek = nc.password_key(password, wrap.salt or b"")
    aad = _wrap_aad(wrap.key_id, f"user:{wrap.user_id}")
    return bytearray(nc.unseal(wrap.crypt_alg, kek, wrap.wrapped, aad))


def _wrap_for_recovery(
    session: Session, key_id: uuid.UUID, data_key: bytes, recovery: NotesRecoveryKey
) -> None:
    eph = X25519PrivateKey.generate()
    eph_public = eph.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recovery.public_key))
    kek = _recovery_kek(shared, eph_public, recovery.public_key)
    alg = _algorithm(session)
    session.add(
        NotesKeyWrap(
            key_id=key_id,
            user_id=None,
            recovery_id=recovery.id,
            crypt_alg=alg,
            kdf=RECOVERY_KDF,
            ephemeral_public=eph_public,
            wrapped=nc.seal(alg, kek, data_key, _wrap_aad(key_id, f"recovery:{recovery.id}")),
            stale=False,
        )
    )
    session.flush()


def _check_password(session: Session, actor: Actor, password: str) -> User:

    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None or not user.active:
        raise PermissionDenied("账号不可用，请重新登录。")
    check_user_password(  # counts toward the log-in lockout, audited
        session,
        user,
        password,
        actor=actor,
        event="notes_unlock",
        refusal=lambda why: AuthError(
            why if "锁定" in why else f"密码不正确，咨询记录未打开；{why}"
        ),
    )
    return user


# --- set-up --------------------------------------------------------------------------------


@read_op
def recovery_configured(session: Session) -> bool:
    return _recovery(session) is not None


@write_op()
def create_recovery_key(session: Session, actor: Actor) -> RecoverySheet:
    """Once per center, at set-up. The returned text is printed and never stored."""
    require(actor, Action.SET_UP_COUNSELLING)
    if _recovery(session) is not None:
        raise ServiceError(
            "本中心已经设置过恢复密钥（打印件应在保险柜中）；为安全起见不能重新生成。"
        )
    private = X25519PrivateKey.generate()
    priv_raw = private.private_bytes(
        _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    row = NotesRecoveryKey(public_key=public, fingerprint=_fingerprint(public))
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "notes_recovery_setup", object_type="notes_recovery", object_id=row.id
    )
    return RecoverySheet(
        load_settings(session).center_name,
        _encode_recovery(priv_raw),
        row.fingerprint,
        row.created_at,
    )


# --- access --------------------------------------------------------------------------------


@read_op
def access_state(session: Session, actor: Actor) -> AccessState:
    require(actor, Action.COUNSELLING_NOTES)
    if _recovery(session) is None:
        return AccessState.NO_RECOVERY
    key = _center_key(session)
    if key is None:
        return AccessState.FIRST
    wrap = _user_wrap(session, key.id, actor.user_id) if actor.user_id else None
    if wrap is None:
        return AccessState.NONE
    return AccessState.STALE if wrap.stale else AccessState.GRANTED


@write_op()  # the counselling tab reloads itself once it holds the key
def unlock(session: Session, actor: Actor, password: str) -> NotesKeyHandle:
    """Open the notes with the counsellor's password; the first counsellor creates the key."""
    require(actor, Action.COUNSELLING_NOTES)
    user = _check_password(session, actor, password)
    state = access_state(session, actor)
    if state == AccessState.NO_RECOVERY:
        raise NoNotesAccess(ACCESS_MESSAGES[state])
    if state == AccessState.FIRST:
        key_row = NotesKey(created_by=user.id)
        session.add(key_row)
        session.flush()
        data_key = nc.new_data_key()
        _wrap_for_recovery(session, key_row.id, bytes(data_key), _recovery(session))
        _wrap_for_user(session, key_row.id, bytes(data_key), user.id, password, user.id)
        audit.record(
            session, actor, "notes_key_create", object_type="notes_key", object_id=key_row.id
        )
        return NotesKeyHandle(key_row.id, user.id, data_key)
    if state in (AccessState.NONE, AccessState.STALE):
        raise audit.refused(
            NoNotesAccess(ACCESS_MESSAGES[state]),
            session,
            actor,
            "notes_unlock",
            reason=state.value,
        )
    key_row = _center_key(session)
    wrap = _user_wrap(session, key_row.id, user.id)
    data_key = _unwrap_user(wrap, password)  # DecryptionFailed propagates: loud, nothing changed
    audit.record(session, actor, "notes_unlock", object_type="notes_key", object_id=key_row.id)
    return NotesKeyHandle(key_row.id, user.id, data_key)


@write_op()
def grant(
    session: Session, actor: Actor, handle: NotesKeyHandle, username: str, password: str
) -> None:
    """A counsellor with the notes open grants a colleague, who types their own password here."""

    require(actor, Action.COUNSELLING_NOTES)
    key_row = _center_key(session)
    if key_row is None or key_row.id != handle.key_id:
        raise NotesLocked()
    name = username.strip()
    grantee = (  # no account has a name this long or unprintable: not looked up
        session.scalar(select(User).where(User.username == name))
        if len(name) <= 64 and name.isprintable()
        else None
    )
    if grantee is None or not grantee.active:
        raise NotFound(f"找不到可用的账号“{username}”。")
    if grantee.role != Role.COUNSELLOR:
        raise audit.refused(
            PermissionDenied("只能授权给心理咨询师；管理员和主任不能查看咨询记录。"),
            session,
            actor,
            "notes_grant",
            object_type="user",
            object_id=grantee.id,
            reason="not counsellor",
        )
    # The colleague's password counts toward their log-in lockout: 授权 is no way to guess it.
    check_user_password(
        session,
        grantee,
        password,
        actor=actor,
        event="notes_grant",
        refusal=lambda why: ValidationError(
            {
                "password": f"{grantee.display_name}的账号{why}"
                if "锁定" in why
                else f"{grantee.display_name}的密码不正确，请本人重新输入；{why}"
            }
        ),
    )
    _wrap_for_user(session, key_row.id, handle.material(), grantee.id, password, actor.user_id)
    audit.record(session, actor, "notes_grant", object_type="user", object_id=grantee.id)


@write_op()  # the counselling tab reloads itself once it holds the key
def restore_with_recovery(
    session: Session, actor: Actor, recovery_text: str, password: str
) -> NotesKeyHandle:
    """A counsellor types the printed recovery key: their own copy is wrapped again."""
    require(actor, Action.COUNSELLING_NOTES)
    user = _check_password(session, actor, password)
    priv_raw = _decode_recovery(recovery_text)
    key_row = _center_key(session)
    if key_row is None:
        raise NoNotesAccess("还没有任何咨询记录，不需要恢复：直接输入登录密码即可开始。")
    private = X25519PrivateKey.from_private_bytes(priv_raw)
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    wraps = session.scalars(
        select(NotesKeyWrap).where(
            NotesKeyWrap.key_id == key_row.id, NotesKeyWrap.recovery_id.is_not(None)
        )
    ).all()
    recovery = next(
        (w for w in wraps if session.get(NotesRecoveryKey, w.recovery_id).public_key == public),
        None,
    )
    if recovery is None:
        raise audit.refused(
            nc.DecryptionFailed("这不是本中心的恢复密钥（指纹不符），没有修改任何数据。"),
            session,
            actor,
            "notes_recovery_use",
            reason="wrong key",
        )
    shared = private.exchange(X25519PublicKey.from_public_bytes(recovery.ephemeral_public))
    kek = _recovery_kek(shared, recovery.ephemeral_public, public)
    data_key = bytearray(
        nc.unseal(
            recovery.crypt_alg,
            kek,
            recovery.wrapped,
            _wrap_aad(key_row.id, f"recovery:{recovery.recovery_id}"),
        )
    )
    _wrap_for_user(session, key_row.id, bytes(data_key), user.id, password, user.id)
    audit.record(
        session, actor, "notes_recovery_use", object_type="notes_key", object_id=key_row.id
    )
    return NotesKeyHandle(key_row.id, user.id, data_key)


# --- sealed to the recovery key (the ID card photo) ---------------------------------------


@dataclass(frozen=True)
class RecoverySealed:
    """A plaintext sealed to the center's recovery public key: anyone may seal, only the
    printed recovery key opens (X25519 to an ephemeral key, HKDF, then the notes cipher)."""

    recovery_id: uuid.UUID
    crypt_alg: str
    ephemeral_public: bytes
    sealed: bytes


@read_op
def seal_to_recovery(session: Session, plaintext: bytes, aad: bytes) -> RecoverySealed | None:
    """None while the center has no recovery key (nothing can be sealed then)."""
    recovery = _recovery(session)
    if recovery is None:
        return None
    eph = X25519PrivateKey.generate()
    eph_public = eph.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recovery.public_key))
    kek = _recovery_kek(shared, eph_public, recovery.public_key)
    alg = _algorithm(session)
    return RecoverySealed(recovery.id, alg, eph_public, nc.seal(alg, kek, plaintext, aad))


def open_with_recovery(
    recovery_text: str, crypt_alg: str, ephemeral_public: bytes, sealed: bytes, aad: bytes
) -> bytes:
    """The plaintext of ``seal_to_recovery``, opened with the printed recovery key."""
    private = X25519PrivateKey.from_private_bytes(_decode_recovery(recovery_text))
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = private.exchange(X25519PublicKey.from_public_bytes(bytes(ephemeral_public)))
    kek = _recovery_kek(shared, bytes(ephemeral_public), public)
    return nc.unseal(crypt_alg, kek, bytes(sealed), aad)


# --- hooks from auth -----------------------------------------------------------------------


@write_op(Change.COUNSELLING)
def rewrap_on_password_change(session: Session, user_id: uuid.UUID, old: str, new: str) -> None:
    """Called by ``auth.change_own_password``: the old password opens, the new one closes."""
    key_row = _center_key(session)
    wrap = _user_wrap(session, key_row.id, user_id) if key_row else None
    if wrap is None or wrap.stale:
        return
    data_key = _unwrap_user(wrap, old)  # fails loudly: the password change is not made
    _wrap_for_user(session, key_row.id, bytes(data_key), user_id, new, wrap.granted_by)


@write_op(Change.COUNSELLING)
def stale_on_password_reset(session: Session, actor: Actor, user_id: uuid.UUID) -> None:
    """Called by ``auth.reset_password``: the copy is kept (never destroyed) but no longer used."""
    for wrap in session.scalars(select(NotesKeyWrap).where(NotesKeyWrap.user_id == user_id)):
        if not wrap.stale:
            wrap.stale = True
            audit.record(
                session, actor, "notes_access_suspended", object_type="user", object_id=user_id
            )
    session.flush()
