"""National identity numbers at rest: AES-GCM with a key id, plus a keyed hash.

A stored number is ``"<key id>$<base64url(nonce || ciphertext || tag)>"``; the key id is
also the authenticated data, so a token cannot be moved to another key. ``nin_hash`` is an
HMAC-SHA256 under ``NIN_INDEX_KEY``: equal numbers give equal hashes, which is what
look-ups and reconciliation join on, and nothing else can be learnt from it.

Keys come from settings, read at call time:

- ``NIN_ENCRYPTION_KEYS``: ``"id:base64key,id:base64key"`` (32-byte keys; the first one
  encrypts, all of them decrypt — rotation adds a new first key, ``rotate_nin_keys``
  re-encrypts, and the old key can then be removed).
- ``NIN_INDEX_KEY``: base64 of at least 32 bytes. Changing it means recomputing every hash.

With neither set (development) both are derived from ``SECRET_KEY`` and every page warns,
as it does for the development secret key; ``check --deploy`` fails without them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
DEVELOPMENT_KEY_ID = "dev"


class NinKeyError(ValueError):
    """The configured keys are malformed, or a token names a key we do not have."""


@dataclass(frozen=True)
class NinKeys:
    current_id: str
    ciphers: dict[str, AESGCM]
    index_key: bytes
    derived: bool  # True when derived from SECRET_KEY (development only)


def _b64decode(text: str) -> bytes:
    text = text.strip()
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise NinKeyError("a NIN key is not valid base64") from exc


@lru_cache(maxsize=8)
def _load(encryption_keys: str, index_key: str, secret_key: str) -> NinKeys:
    if not encryption_keys and not index_key:
        seed = hashlib.sha256(b"trekkportal-nin-dev|" + secret_key.encode()).digest()
        enc = hmac.new(seed, b"encryption", hashlib.sha256).digest()
        idx = hmac.new(seed, b"index", hashlib.sha256).digest()
        return NinKeys(DEVELOPMENT_KEY_ID, {DEVELOPMENT_KEY_ID: AESGCM(enc)}, idx, True)
    if not encryption_keys or not index_key:
        raise NinKeyError("set both NIN_ENCRYPTION_KEYS and NIN_INDEX_KEY, or neither")
    ciphers: dict[str, AESGCM] = {}
    current = ""
    for entry in encryption_keys.split(","):
        key_id, sep, material = entry.strip().partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise NinKeyError("NIN_ENCRYPTION_KEYS entries are 'id:base64key'")
        key = _b64decode(material)
        if len(key) != 32:
            raise NinKeyError(f"NIN encryption key {key_id!r} must be 32 bytes")
        if key_id in ciphers:
            raise NinKeyError(f"NIN encryption key id {key_id!r} appears twice")
        ciphers[key_id] = AESGCM(key)
        current = current or key_id
    idx = _b64decode(index_key)
    if len(idx) < 32:
        raise NinKeyError("NIN_INDEX_KEY must be at least 32 bytes")
    return NinKeys(current, ciphers, idx, False)


def keys() -> NinKeys:
    return _load(
        getattr(settings, "NIN_ENCRYPTION_KEYS", "") or "",
        getattr(settings, "NIN_INDEX_KEY", "") or "",
        settings.SECRET_KEY,
    )


def keys_are_derived() -> bool:
    """True while the development keys (derived from SECRET_KEY) are in use."""
    return keys().derived


def encrypt_nin(nin: str) -> str:
    """The token to store for ``nin`` (digits only)."""
    return NinSealer().encrypt(nin)


def token_key_id(token: str) -> str:
    return token.partition("$")[0]


def decrypt_nin(token: str) -> str:
    """The number behind a stored token. Callers showing or exporting a full number audit
    it; everything else works with ``nin_hash`` and masked values."""
    key_id, sep, body = token.partition("$")
    k = keys()
    cipher = k.ciphers.get(key_id)
    if not sep or cipher is None:
        raise NinKeyError(f"no NIN key with id {key_id!r}")
    raw = _b64decode(body)
    return cipher.decrypt(raw[:12], raw[12:], key_id.encode()).decode("ascii")


def nin_hash(nin: str) -> str:
    """The keyed hash (64 hex characters) used for equality look-ups and joins."""
    return NinSealer().hash(nin)


def generate_key() -> str:
    """A new random key, base64url, for NIN_ENCRYPTION_KEYS or NIN_INDEX_KEY."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


class NinSealer:
    """Encrypts and hashes many numbers with the keys read once (storing 100,000 lines)."""

    def __init__(self) -> None:
        k = keys()
        self._id = k.current_id
        self._aad = k.current_id.encode()
        self._cipher = k.ciphers[k.current_id]
        self._index = k.index_key

    @property
    def key_id(self) -> str:
        """The id of the key that encrypts (the first of NIN_ENCRYPTION_KEYS)."""
        return self._id

    def encrypt(self, nin: str) -> str:
        nonce = self._nonce()
        sealed = self._cipher.encrypt(nonce, nin.encode("ascii"), self._aad)
        return f"{self._id}${base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def hash(self, nin: str) -> str:
        # hmac.digest: the one-shot C path, the same value as hmac.new(...).hexdigest().
        return hmac.digest(self._index, nin.encode("ascii"), "sha256").hex()

    _NONCES = 1024

    def _nonce(self) -> bytes:
        """A fresh random 96-bit nonce (as before), read from the OS 1,024 at a time."""
        pool = getattr(self, "_pool", None)
        if not pool:
            data = os.urandom(12 * self._NONCES)
            pool = self._pool = [data[i : i + 12] for i in range(0, len(data), 12)]
        return pool.pop()


if __name__ == "__main__":  # python -m trekkportal.lib.nincrypt: a fresh pair of keys
    print(f"NIN_ENCRYPTION_KEYS=k1:{generate_key()}")
    print(f"NIN_INDEX_KEY={generate_key()}")
