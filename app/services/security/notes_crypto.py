"""Encryption of the counselling notes (docs/ARCHITECTURE.md §7).

One function pair, ``seal``/``unseal``, for both algorithms a center may choose in settings:
AES-256-GCM and SM4-GCM (国密, for centers that must pass 密评). A fresh 12-byte random nonce
per encryption; the associated data names the table, row id and column, so a ciphertext moved
to another record or column does not open. Each algorithm gets its own subkey of the 32-byte
data key (HKDF-SHA256), so one data key serves both and a switch needs no re-encryption.

Password-derived keys: Argon2id, 64 MiB, 3 passes, 4 lanes (RFC 9106's second option), with a
salt of the user's own.
"""

from __future__ import annotations

import os
import uuid

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.errors import ServiceError

AES_256_GCM = "AES-256-GCM"
SM4_GCM = "SM4-GCM"
ALGORITHMS = (AES_256_GCM, SM4_GCM)
ALGORITHM_LABELS = {AES_256_GCM: "AES-256-GCM", SM4_GCM: "SM4-GCM（国密）"}

NONCE_BYTES = 12
TAG_BYTES = 16
DATA_KEY_BYTES = 32
SALT_BYTES = 16

ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PASSES = 3
ARGON2_LANES = 4
KDF_TAG = f"argon2id:m={ARGON2_MEMORY_KIB},t={ARGON2_PASSES},p={ARGON2_LANES}"


class DecryptionFailed(ServiceError):
    """A wrong key, a tampered or moved ciphertext: refused loudly, nothing is changed."""


def sm4_gcm_available() -> bool:
    try:
        enc = Cipher(algorithms.SM4(bytes(16)), modes.GCM(bytes(NONCE_BYTES))).encryptor()
        enc.update(b"")
        enc.finalize()
    except Exception:  # noqa: BLE001 — any failure means the OpenSSL build lacks it
        return False
    return True


def check_algorithm(algorithm: str) -> str:
    if algorithm not in ALGORITHMS:
        raise ServiceError(f"不认识的加密算法“{algorithm}”：可选 AES-256-GCM 或 SM4-GCM。")
    if algorithm == SM4_GCM and not sm4_gcm_available():
        raise ServiceError("本机的加密库不支持 SM4-GCM，请在设置中改用 AES-256-GCM。")
    return algorithm


def _subkey(key: bytes, algorithm: str) -> bytes:
    length = 32 if algorithm == AES_256_GCM else 16
    return HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=None,
        info=b"zongzhi-notes/" + algorithm.encode("ascii"),
    ).derive(bytes(key))


# A ciphertext that names its owner in the associated data as well (a counselling session's
# client) starts with this header: version 2. Without it, version 1: table, row and column only
# (rows written before the binding; they open, and are sealed again bound when next written).
# Stripping or adding the header changes the associated data, so it fails to decrypt.
BOUND = b"ZNB2"


def associated_data(
    table: str, row_id: uuid.UUID | str, column: str, owner: str | None = None
) -> bytes:
    base = f"zongzhi/{table}/{row_id}/{column}"
    return (base if owner is None else f"zongzhi/v2/{table}/{row_id}/{column}/{owner}").encode(
        "ascii"
    )


def is_bound(blob: bytes | None) -> bool:
    """Whether a stored ciphertext is of version 2 (bound to its owner too)."""
    return blob is not None and bytes(blob[: len(BOUND)]) == BOUND


def seal(algorithm: str, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce ‖ ciphertext ‖ tag."""
    check_algorithm(algorithm)
    sub = _subkey(key, algorithm)
    nonce = os.urandom(NONCE_BYTES)
    if algorithm == AES_256_GCM:
        return nonce + AESGCM(sub).encrypt(nonce, plaintext, aad)
    enc = Cipher(algorithms.SM4(sub), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(plaintext) + enc.finalize()
    return nonce + body + enc.tag


def unseal(algorithm: str, key: bytes, blob: bytes, aad: bytes) -> bytes:
    check_algorithm(algorithm)
    if blob is None or len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed("密文不完整，无法解密：数据可能已损坏，请从备份恢复。")
    sub = _subkey(key, algorithm)
    nonce, body = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    try:
        if algorithm == AES_256_GCM:
            return AESGCM(sub).decrypt(nonce, body, aad)
        dec = Cipher(algorithms.SM4(sub), modes.GCM(nonce, body[-TAG_BYTES:])).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(body[:-TAG_BYTES]) + dec.finalize()
    except InvalidTag:
        raise DecryptionFailed("密钥不对或记录已被改动，无法解密（没有修改任何数据）。") from None


def seal_text(
    algorithm: str, key: bytes, text: str, table: str, row_id, column: str, owner: str | None = None
) -> bytes:
    """``owner`` (e.g. ``client:<id>``) binds the ciphertext to it as well (version 2)."""
    aad = associated_data(table, row_id, column, owner)
    blob = seal(algorithm, key, text.encode("utf-8"), aad)
    return blob if owner is None else BOUND + blob


def unseal_text(
    algorithm: str,
    key: bytes,
    blob: bytes,
    table: str,
    row_id,
    column: str,
    owner: str | None = None,
) -> str:
    """A version 2 ciphertext opens only with its ``owner``; a version 1 one (written before
    the binding) with table, row and column alone."""
    if owner is not None and is_bound(blob):
        aad = associated_data(table, row_id, column, owner)
        return unseal(algorithm, key, bytes(blob[len(BOUND) :]), aad).decode("utf-8")
    return unseal(algorithm, key, blob, associated_data(table, row_id, column)).decode("utf-8")


def new_data_key() -> bytearray:
    return bytearray(os.urandom(DATA_KEY_BYTES))


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def password_key(password: str, salt: bytes) -> bytes:
    """The key that wraps a counsellor's copy of the data key (about 0.15 s, 64 MiB)."""
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=ARGON2_PASSES,
        memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_LANES,
        hash_len=32,
        type=Type.ID,
    )
