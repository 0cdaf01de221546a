"""Private signing keys at rest: AES-256-GCM with a key derived from ``ACCORD_SIGNING_KEY_SECRET``.

The stored value is ``b"v1" + nonce (12 bytes) + ciphertext``. The tenant's id is authenticated with it
(GCM associated data), so an encrypted key copied onto another tenant's row does not decrypt. Several
secrets (comma-separated) rotate the setting: the first encrypts, any of them decrypts. Without the
setting (development, tests) the secret is derived from SECRET_KEY; ``tenants.checks`` warns about that
under ``check --deploy``.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

FORMAT = b"v1"
NONCE_BYTES = 12


class KeyDecryptionError(RuntimeError):
    """No configured secret opens this key (the secret changed, or the row was tampered with)."""


def _secrets() -> list[str]:
    configured = [part.strip() for part in settings.ACCORD_SIGNING_KEY_SECRET.split(",") if part.strip()]
    return configured or [f"derived-from-secret-key:{settings.SECRET_KEY}"]


def _aes_key(secret: str) -> bytes:
    # HKDF turns a secret of any shape into a 256-bit key bound to this one use.
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"accord.signing-identity", info=b"private-key.v1"
    ).derive(secret.encode())


def _associated_data(tenant_id: int) -> bytes:
    return f"tenant:{tenant_id}".encode()


def encrypt_private_key(private_key_der: bytes, *, tenant_id: int) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(_aes_key(_secrets()[0])).encrypt(nonce, private_key_der, _associated_data(tenant_id))
    return FORMAT + nonce + ciphertext


def decrypt_private_key(stored: bytes, *, tenant_id: int) -> bytes:
    stored = bytes(stored)
    if not stored.startswith(FORMAT):
        raise KeyDecryptionError("The stored signing key is not in a known format.")
    nonce, ciphertext = stored[len(FORMAT) : len(FORMAT) + NONCE_BYTES], stored[len(FORMAT) + NONCE_BYTES :]
    for secret in _secrets():
        try:
            return AESGCM(_aes_key(secret)).decrypt(nonce, ciphertext, _associated_data(tenant_id))
        except InvalidTag:
            continue
    raise KeyDecryptionError(
        "The tenant's signing key cannot be decrypted with ACCORD_SIGNING_KEY_SECRET (was it changed?)."
    )
