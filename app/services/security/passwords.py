"""Password hashes: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane).

Used by log-in and account management (``auth``) and by the counselling notes' key wraps
(``notes_keys``), which check a password before they unwrap a key."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the user name is unknown, so timing does not tell which names exist.
# Written out (it is the hash of "zongzhi-dummy-password" with HASHER's parameters) rather
# than hashed at import, which cost the login window 50–100 ms.
DUMMY_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$a9WuqJQ7SNgXv5eLzIxk5Q$"
    "SwvXcd3B7Lz+jDkfD5dSTS57v9egI19yqY9m435dDNw"
)


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    # Half a surrogate pair has no UTF-8: such a password is only ever wrong (the rules refuse
    # it), and is still hashed, so it takes as long as any other.
    secret = password.encode("utf-8", "surrogatepass")
    try:
        return HASHER.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False
