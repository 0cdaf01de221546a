"""Standard Webhooks signatures: secrets, message ids and the three headers of every request.

``webhook-signature`` is ``v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>``, computed by
the ``standardwebhooks`` library, so a partner verifies with the same library in their language. During
a secret rotation the header carries one signature per valid secret, space-separated, as the
specification allows: a receiver holding either secret accepts the message.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the specification asks for 24 to 64


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_message_id() -> str:
    return f"msg_{secrets.token_urlsafe(18)}"


def message_body(payload: dict) -> bytes:
    """The exact bytes sent and signed: compact JSON, the same for every attempt of a delivery."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=False).encode()


def signature_headers(*, message_id: str, at: datetime, body: bytes, secrets_in_use: list[str]) -> dict:
    """``webhook-id``, ``webhook-timestamp`` (Unix seconds of ``at``) and ``webhook-signature``."""
    signatures = [Webhook(secret).sign(message_id, at, body) for secret in secrets_in_use]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
