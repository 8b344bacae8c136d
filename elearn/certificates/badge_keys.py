"""The Ed25519 keys that sign an instansi's Open Badges (and its status list), kept out of the database.

Keys are files, one directory per instansi: ``<CERTIFICATE_KEY_DIR>/<instansi slug>/``
(``ELEARN_CERTIFICATE_KEY_DIR``; in development and tests the instance folder's
``certificate_keys/``; production refuses to sign or publish keys without it: a key generated per
machine would differ between app servers and would sit beside the app, and the database rows HR can
export never hold a key). In that directory:

- ``<key id>.pem``: a private key (PKCS#8 PEM, unencrypted, mode 0600) that can sign;
- ``<key id>.pub.pem``: a retired key's public half (verify only);
- ``current``: the id of the key that signs new credentials.

A key id is ``key-`` and 16 hex digits of the SHA-256 of the raw public key, so nothing else is
configured; the credential's ``verificationMethod`` is ``<issuer profile URL>#<key id>`` and the
issuer profile lists every key of the directory (current and retired), so credentials signed with a
retired key keep verifying.

The first key of an instansi is generated when it first signs (or with ``flask --app elearn
badge-keys rotate --instansi SLUG``). **Rotation** (a suspected leak, a staff change, a yearly
habit): ``flask --app elearn badge-keys rotate --instansi SLUG`` writes a new key and makes it
current; by default the old private key is replaced by its public half (``--keep-old-private`` keeps
it). Nothing else changes: the old key stays published in the issuer profile, so every certificate
issued before still verifies. Every app server and worker must see the same directory (a shared
mount, or copy it to each before they sign again); processes notice a rotation without a restart
(the directory is checked on each use). Never delete a ``.pem``/``.pub.pem``: credentials signed
with it would stop verifying. A leaked key is not only rotated: the certificates signed with it
should be reissued (services.reissue) so the new credentials carry the new key.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask, current_app

from .multibase import ed25519_multikey

KEY_DIR_NAME = "certificate_keys"
CURRENT = "current"
_KEY_ID = re.compile(r"^key-[0-9a-f]{16}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "key-" + hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class BadgeKey:
    id: str
    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None

    @property
    def public_multibase(self) -> str:
        return ed25519_multikey(self.public)


@dataclass(frozen=True)
class BadgeKeyring:
    """One instansi's keys: the current one signs, all of them verify (sorted by id)."""

    current: BadgeKey
    keys: tuple[BadgeKey, ...]

    def get(self, wanted: str) -> BadgeKey | None:
        return next((k for k in self.keys if k.id == wanted), None)


def key_dir(app: Flask | None = None) -> Path:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    configured = app.config.get("CERTIFICATE_KEY_DIR")
    if configured:
        return Path(configured)
    if app.config.get("ELEARN_ENV") not in ("development", "testing"):
        raise RuntimeError("ELEARN_CERTIFICATE_KEY_DIR is not set: production signs Open Badges only with keys kept "
                           "in a directory of their own, the same on every app server (certificates/README.md)")
    return Path(app.instance_path) / KEY_DIR_NAME


def _instansi_dir(app: Flask, slug: str) -> Path:
    if not _SLUG.match(slug):
        raise ValueError(f"not an instansi slug: {slug!r}")
    return key_dir(app) / slug


def _write_new(directory: Path, name: str, data: bytes) -> bool:
    """Create ``directory/name`` (0600) atomically; False when it already exists."""
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.link(temporary, directory / name)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


def _new_key(directory: Path) -> str:
    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    _write_new(directory, f"{kid}.pem", pem)
    return kid


def _read(directory: Path) -> BadgeKeyring:
    keys: dict[str, BadgeKey] = {}
    for path in sorted(directory.glob("key-*.pem")):
        data = path.read_bytes()
        if path.name.endswith(".pub.pem"):
            public = serialization.load_pem_public_key(data)
            private = None
        else:
            loaded = serialization.load_pem_private_key(data, password=None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise RuntimeError(f"{path}: not an Ed25519 private key")
            private, public = loaded, loaded.public_key()
        if not isinstance(public, Ed25519PublicKey):
            raise RuntimeError(f"{path}: not an Ed25519 key")
        kid = key_id(public)
        if path.name not in (f"{kid}.pem", f"{kid}.pub.pem"):
            raise RuntimeError(f"{path}: the file name must be the key's id ({kid})")
        if kid not in keys or private is not None:
            keys[kid] = BadgeKey(kid, public, private)
    current_id = (directory / CURRENT).read_text().strip()
    current = keys.get(current_id)
    if current is None or current.private is None or not _KEY_ID.match(current_id):
        raise RuntimeError(f"{directory / CURRENT}: names no private key of {directory}")
    return BadgeKeyring(current, tuple(keys[k] for k in sorted(keys)))


def _stamp(directory: Path) -> tuple[int, int]:
    return directory.stat().st_mtime_ns, (directory / CURRENT).stat().st_mtime_ns


def keyring(slug: str, app: Flask | None = None) -> BadgeKeyring:
    """The instansi's keys (the first one generated on first use); re-read when the directory changed."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    directory = _instansi_dir(app, slug)
    if not (directory / CURRENT).exists():
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        kid = _new_key(directory)
        if not _write_new(directory, CURRENT, kid.encode() + b"\n"):
            pass  # another process was first: its key is current, ours stays listed unused
    cache: dict[str, tuple[tuple[int, int], BadgeKeyring]] = app.extensions.setdefault("badge_keyrings", {})
    stamp = _stamp(directory)
    cached = cache.get(slug)
    if cached is None or cached[0] != stamp:
        cached = cache[slug] = (stamp, _read(directory))
    return cached[1]


def rotate(slug: str, app: Flask | None = None, *, keep_old_private: bool = False) -> tuple[str | None, str]:
    """Make a new key current; the old one stays listed (its private half replaced by the public one
    unless ``keep_old_private``). Returns (old key id or None, new key id)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    directory = _instansi_dir(app, slug)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    old = (directory / CURRENT).read_text().strip() if (directory / CURRENT).exists() else None
    kid = _new_key(directory)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".current.")
    with os.fdopen(fd, "wb") as out:
        out.write(kid.encode() + b"\n")
    os.replace(temporary, directory / CURRENT)
    if old and not keep_old_private and (directory / f"{old}.pem").exists():
        private = serialization.load_pem_private_key((directory / f"{old}.pem").read_bytes(), password=None)
        public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
        _write_new(directory, f"{old}.pub.pem", public_pem)
        (directory / f"{old}.pem").unlink()
    app.extensions.setdefault("badge_keyrings", {}).pop(slug, None)
    return old, kid
