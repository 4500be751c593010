"""The audit chain's HMAC key, kept outside the database file in the terminal's key store.

A plain hash chain can be recomputed by anyone holding the file: change row 1, run the
program's own hash function over every row, and the chain verifies again. So each row's hash
is an HMAC-SHA-256 under a secret that is not in the database: it lives in the key store
beside the exchange signing key (``keys/`` beside a SQLite file), one small owner-only file
per database name, ``keys/<database>.audit-hmac.json``.

The file also records, per chain (named by the hash of its row 1), the sequence number from
which that chain is keyed. A database made before this key existed keeps its old rows as they
were (plain SHA-256, still verified) and is keyed from its next row on: an upgraded center
keeps verifying. A chain whose row 1 the key file does not know was not written here: its row 1
was rewritten, or the file was replaced (``zongzhi check`` says so).

PostgreSQL: one key for the server database, shared by its terminals and kept outside the
database in each terminal's own key store (``server_key_file``: named by the server's host,
port and database name). The terminal that first writes after this version made the key; the
server chain is keyed from that row on (older rows stay plain and still verify). The database
records only which key (``key_id``) its chain is keyed with, never the key: a terminal without
it is refused (``zongzhi audit-key import``) instead of writing plain rows. The key file goes
to the other terminals with ``zongzhi audit-key export`` / ``import`` or in the terminal's
starter file. Each terminal also keeps the newest head it has seen
(``backup_manifest.terminal_head_file``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL

from app.core.private_files import private_folder

FORMAT = "zongzhi-audit-key/1"


class AuditKeyUnreadable(ValueError):
    pass


@dataclass
class AuditKey:
    path: Path
    secret: bytes
    # hash of row 1 -> (keyed from seq, keyed up to seq or None: still keyed)
    chains: dict[str, tuple[int, int | None]] = field(default_factory=dict)

    @property
    def key_id(self) -> str:
        """Names the key (in head files and manifests) without giving it away."""
        return hashlib.sha256(b"zongzhi-audit-key-id" + self.secret).hexdigest()[:16]

    def span(self, first: str | None) -> tuple[int, int | None] | None:
        """Which seqs of the chain whose row 1 has hash ``first`` are keyed; None: unknown."""
        return self.chains.get(first) if first else None

    def register(self, first: str, from_seq: int, to_seq: int | None = None) -> None:
        if self.chains.get(first) == (from_seq, to_seq):
            return
        self.chains[first] = (from_seq, to_seq)
        _save(self)


def key_file(db_path: Path) -> Path:
    """Beside the exchange signing key (``exchange.key_path``): ``keys/`` beside the file."""
    db_path = Path(db_path)
    return db_path.parent / "keys" / f"{db_path.name}.audit-hmac.json"


def _save(key: AuditKey) -> None:
    data = {
        "format": FORMAT,
        "key": base64.b64encode(key.secret).decode("ascii"),
        "chains": [{"first": f, "from_seq": a, "to_seq": b} for f, (a, b) in key.chains.items()],
    }
    tmp = key.path.with_name(key.path.name + ".partial")
    try:
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, key.path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_key(db_path: Path) -> AuditKey | None:
    """The key of the database at ``db_path``; None if this terminal has none yet."""
    return _load(key_file(db_path))


def _load(path: Path) -> AuditKey | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise AuditKeyUnreadable(f"审计密钥文件 {path} 读不出来（{exc}）") from exc
    try:
        if data.get("format") != FORMAT:
            raise ValueError("格式不对")
        secret = base64.b64decode(data["key"], validate=True)
        chains = {
            str(c["first"]): (
                int(c["from_seq"]),
                None if c.get("to_seq") is None else int(c["to_seq"]),
            )
            for c in data.get("chains", [])
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AuditKeyUnreadable(f"审计密钥文件 {path} 读不出来（{exc}）") from exc
    if len(secret) < 32:
        raise AuditKeyUnreadable(f"审计密钥文件 {path} 里的密钥太短")
    return AuditKey(path, secret, chains)


def create_key(db_path: Path) -> AuditKey:
    """A new random key (or the one another process made this instant)."""
    return _create(key_file(db_path))


def _create(path: Path) -> AuditKey:
    private_folder(path.parent)
    key = AuditKey(path, secrets.token_bytes(32))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        found = _load(path)
        assert found is not None
        return found
    os.close(fd)
    _save(key)
    return key


def database_file(url: URL) -> Path | None:
    """The SQLite file at ``url`` (a session's bind); None on PostgreSQL or in memory."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def terminal_store() -> Path:
    """This terminal's key store when the database is on a server (``exchange.key_path``)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("zongzhi", appauthor=False)) / "keys"


def _stores(db_path: Path | None) -> list[Path]:
    if db_path is None:
        return [terminal_store()]
    # A backup in backups/ is checked with the key of the database it was taken from.
    return [db_path.parent / "keys", db_path.parent.parent / "keys"]


def key_for_chain(db_path: Path | None, first: str | None) -> AuditKey | None:
    """The key (in the key stores this terminal has for ``db_path``) that knows the chain
    whose row 1 has hash ``first``: the database's own key file first."""
    if not first:
        return None
    candidates: list[Path] = []
    if db_path is not None:
        candidates.append(key_file(db_path))
    for store in _stores(db_path):
        if store.is_dir():
            candidates += sorted(store.glob("*.audit-hmac.json"))
    seen: set[Path] = set()
    for path in candidates:
        if path in seen or not path.exists():
            continue
        seen.add(path)
        try:
            key = _load(path)
        except AuditKeyUnreadable:
            continue
        if key is not None and key.span(first) is not None:
            return key
    return None


def copy_key(key: AuditKey, first: str, to: Path, *, to_seq: int | None) -> AuditKey:
    """The chain ``first``'s key into another key file (``migrate-db``: the copied rows stay
    verifiable where the database now is), keyed up to ``to_seq``."""
    found = _load(to)
    span = key.span(first)
    assert span is not None
    if found is None:
        private_folder(to.parent)
        found = AuditKey(to, key.secret)
    elif found.secret != key.secret:
        return found  # another key already lives there: leave it
    found.chains[first] = (span[0], to_seq)
    _save(found)
    return found


def server_key_file(url: str) -> Path:
    """The key file a terminal keeps for a server database (named by the server and name)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    name = hashlib.sha256(f"{u.host}:{u.port}/{u.database}".encode()).hexdigest()[:16]
    return terminal_store() / f"server-{name}.audit-hmac.json"


def load_server_key(url: str) -> AuditKey | None:
    """The key this terminal has for the server database at ``url``; None if none yet."""
    return _load(server_key_file(url))


def create_server_key(url: str) -> AuditKey:
    return _create(server_key_file(url))


def read_key_file(path: Path) -> AuditKey:
    """A key file carried from another terminal (``zongzhi audit-key export``)."""
    key = _load(Path(path))
    if key is None:
        raise AuditKeyUnreadable(f"找不到审计密钥文件 {path}")
    return key


def write_key_copy(key: AuditKey, to: Path) -> None:
    """``key`` (its secret and the chains it knows) into the owner-only file ``to``."""
    _save(AuditKey(Path(to), key.secret, dict(key.chains)))


def install_server_key(key: AuditKey, url: str) -> AuditKey:
    """``key`` as this terminal's key of the server database at ``url``. Chains a key file
    already here knows under the same key are kept; a different key here is set aside
    (``*.replaced``), never deleted."""
    path = server_key_file(url)
    private_folder(path.parent)
    here = _load(path) if path.exists() else None
    chains = dict(key.chains)
    if here is not None and here.secret == key.secret:
        for first, span in here.chains.items():
            chains.setdefault(first, span)
    elif here is not None:
        os.replace(path, path.with_name(path.name + ".replaced"))
    installed = AuditKey(path, key.secret, chains)
    _save(installed)
    return installed
