"""The keys that make a rewrite of the pakta chain detectable without trusting the database.

- The **chain key** (HMAC-SHA256): each record stores ``record_mac`` = HMAC(key, its record_hash)
  and the id of the key. ``PLEDGE_HMAC_KEY`` (``ELEARN_PLEDGE_HMAC_KEY``) holds one or more keys
  separated by commas or whitespace, or ``PLEDGE_KEY_FILE`` (``ELEARN_PLEDGE_KEY_FILE``) a file with
  one key a line; the first is the current key (new records), the others still verify older
  records (rotation). A key is at least 32 characters (``python -c 'import secrets;
  print(secrets.token_hex(32))'``). Its id is derived from it (``key_id``), so nothing else is
  configured.
- The **checkpoint key** (Ed25519): ``PLEDGE_CHECKPOINT_KEY_FILE``
  (``ELEARN_PLEDGE_CHECKPOINT_KEY_FILE``), an unencrypted PKCS#8 PEM private key, signs the chain
  checkpoints HR exports (``checkpoints.py``).

Neither is ever stored in the database. Without a setting, a key is generated once in the
instance folder (like the development secret key), so the one-command demo works; production
refuses to start without the chain key (config.py) and to sign a checkpoint without its key file:
a key generated per machine would differ between app servers and sit beside the app.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask, current_app

HMAC_KEY_FILE = "pledge_hmac_key"
CHECKPOINT_KEY_FILE = "pledge_checkpoint_key.pem"
MIN_KEY_LENGTH = 32
_MAC_DOMAIN = b"elearn-pakta-record-mac-v1\0"


def key_id(key: bytes) -> str:
    """A short public name of a chain key (16 hex), derived from the key (it reveals nothing of it)."""
    return hashlib.sha256(b"elearn-pakta-key-id\0" + key).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    """The chain keys: the current one (signs new records) first, then older ones (verify only)."""

    keys: tuple[bytes, ...]

    @property
    def current_id(self) -> str:
        return key_id(self.keys[0])

    def _key(self, wanted: str) -> bytes | None:
        return next((k for k in self.keys if key_id(k) == wanted), None)

    def mac(self, record_hash: str) -> tuple[str, str]:
        """(key id, HMAC-SHA256 hex) of a record hash with the current key."""
        return self.current_id, _mac(self.keys[0], record_hash)

    def knows(self, wanted: str | None) -> bool:
        return wanted is not None and self._key(wanted) is not None

    def verify(self, wanted_id: str | None, record_hash: str, mac: str | None) -> bool:
        key = self._key(wanted_id) if wanted_id else None
        return key is not None and mac is not None and hmac.compare_digest(_mac(key, record_hash), mac)


def _mac(key: bytes, record_hash: str) -> str:
    return hmac.new(key, _MAC_DOMAIN + record_hash.encode("ascii"), hashlib.sha256).hexdigest()


def parse_keys(text: str) -> tuple[bytes, ...]:
    keys = tuple(part.encode() for part in re.split(r"[\s,]+", text.strip()) if part)
    if not keys or any(len(k) < MIN_KEY_LENGTH for k in keys):
        raise RuntimeError(f"the pakta chain key (ELEARN_PLEDGE_HMAC_KEY / ELEARN_PLEDGE_KEY_FILE) must hold one or "
                           f"more keys of at least {MIN_KEY_LENGTH} characters (python -c 'import secrets; "
                           "print(secrets.token_hex(32))')")
    return keys


def _instance_file(app: Flask, name: str, make: bytes) -> bytes:
    """The content of a generated key file in the instance folder, created (0600) when missing.
    Written to a temporary file and linked into place, so workers starting together agree on one key
    and none reads a half-written file."""
    path = Path(app.instance_path) / name
    if path.exists():
        return path.read_bytes()
    fd, temporary = tempfile.mkstemp(dir=app.instance_path, prefix=f".{name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(make)
        os.link(temporary, path)
    except FileExistsError:
        return path.read_bytes()  # another worker was first
    finally:
        os.unlink(temporary)
    if app.config.get("ELEARN_ENV") not in ("development", "testing"):
        app.logger.warning("pakta: generated %s in the instance folder; in production keep the pakta keys "
                           "outside the database server and set ELEARN_PLEDGE_KEY_FILE / "
                           "ELEARN_PLEDGE_CHECKPOINT_KEY_FILE (README: Pakta integritas)", path)
    return make


def keyring(app: Flask | None = None) -> Keyring:
    """The app's chain keys (read once per process)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("pledge_keyring")
    if cached is None:
        if app.config.get("PLEDGE_HMAC_KEY"):
            text = str(app.config["PLEDGE_HMAC_KEY"])
        elif app.config.get("PLEDGE_KEY_FILE"):
            text = Path(app.config["PLEDGE_KEY_FILE"]).read_text()
        else:
            text = _instance_file(app, HMAC_KEY_FILE, secrets.token_hex(32).encode()).decode()
        cached = app.extensions["pledge_keyring"] = Keyring(parse_keys(text))
    return cached


# --- the checkpoint key ------------------------------------------------------------------------------


def public_key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def checkpoint_key(app: Flask | None = None) -> Ed25519PrivateKey:
    """The Ed25519 key that signs checkpoints (read once per process)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("pledge_checkpoint_key")
    if cached is None:
        if app.config.get("PLEDGE_CHECKPOINT_KEY_FILE"):
            pem = Path(app.config["PLEDGE_CHECKPOINT_KEY_FILE"]).read_bytes()
        elif app.config.get("ELEARN_ENV") not in ("development", "testing"):
            raise RuntimeError("ELEARN_PLEDGE_CHECKPOINT_KEY_FILE is not set: production signs checkpoints only "
                               "with a key kept away from the database server (README: Pakta integritas)")
        else:
            fresh = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            pem = _instance_file(app, CHECKPOINT_KEY_FILE, fresh)
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise RuntimeError("ELEARN_PLEDGE_CHECKPOINT_KEY_FILE must hold an Ed25519 private key (PEM, PKCS#8)")
        cached = app.extensions["pledge_checkpoint_key"] = key
    return cached


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (``pledges checkpoint-key`` prints it), or the public half of a
    private key PEM."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        key = serialization.load_pem_private_key(pem, password=None).public_key()  # type: ignore[assignment]
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 key")
    return key
