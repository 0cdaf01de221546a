"""Is this a document the tenant had signed? Two independent answers for a PDF:

- its hash: the file matches when its SHA-256 is that of a signed PDF the tenant issued (any changed byte
  fails); a pasted hash matches a signed PDF's or the signed document's SHA-256;
- its seal: the PAdES signature in the file validates against the tenant's own certificates and covers
  the whole file (tenants.seals); a PDF issued before seals existed has none.

Reads only the current tenant's signatures and certificates (scoped querysets and row-level security),
except ``tenant_of_hash``: the public verify page (no sign-in) first finds which tenant, if any, issued a
hash, in the one explicit bypass, and then checks within that tenant like the staff page."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from contracts.models import Signature
from tenants import seals
from tenants.models import Tenant
from tenants.scope import cross_tenant, current_tenant
from tenants.signing_identities import signing_identities

_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Verification:
    sha256: str
    signature: Signature | None = None
    matched_on: str = ""  # "pdf" (the signed PDF file) or "document" (the document as shown)
    seal: seals.SealCheck | None = None  # for a PDF file; None for a pasted hash

    @property
    def matches(self) -> bool:
        return self.signature is not None


def _signed():
    return Signature.objects.filter(signed_at__isnull=False).select_related(
        "agreement", "agreement__client", "agreement__version", "contact"
    )


def sha256_of(chunks: bytes | Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in [chunks] if isinstance(chunks, bytes | bytearray) else chunks:
        digest.update(chunk)
    return digest.hexdigest()


def verify_pdf(data: bytes | Iterable[bytes]) -> Verification:
    """Whether a PDF file (bytes, or chunks of an upload) is, byte for byte, a signed PDF of this tenant,
    and whether it carries an intact seal of this tenant (checked whatever the hash says)."""
    pdf = bytes(data) if isinstance(data, bytes | bytearray) else b"".join(data)
    digest = sha256_of(pdf)
    signature = _signed().filter(pdf_sha256=digest).first()
    seal = seals.check_seal(pdf, signing_identities(current_tenant()))
    return Verification(digest, signature, "pdf" if signature else "", seal)


def normalize_hash(value: str) -> str:
    """A pasted SHA-256: case, spaces, colons and a 'sha256:' prefix are forgiven."""
    text = re.sub(r"[\s:]", "", (value or "").strip().lower())
    text = text.removeprefix("sha256")
    if not _HEX64.fullmatch(text):
        raise ValidationError("A SHA-256 is 64 characters, digits 0-9 and letters a-f.")
    return text


def verify_hash(value: str) -> Verification:
    """Whether a SHA-256 is that of a signed PDF or of a signed document of this tenant. ValidationError
    when ``value`` is not a SHA-256 at all."""
    digest = normalize_hash(value)
    signature = (
        _signed().filter(Q(pdf_sha256=digest) | Q(document_sha256=digest)).order_by("-signed_at").first()
    )
    if signature is None:
        return Verification(digest)
    return Verification(digest, signature, "pdf" if signature.pdf_sha256 == digest else "document")


def tenant_of_hash(digest: str, *, pdf_only: bool = False) -> Tenant | None:
    """The tenant that issued a signed PDF with this SHA-256 (or, unless ``pdf_only``, had a document
    with it signed); None when no tenant did. Only the tenant is read across tenants."""
    matches = Q(pdf_sha256=digest) if pdf_only else Q(pdf_sha256=digest) | Q(document_sha256=digest)
    with cross_tenant("public verify page: which tenant issued this signed PDF or document hash"):
        tenant_id = (
            Signature.objects.filter(matches, signed_at__isnull=False)
            .order_by("-signed_at")
            .values_list("tenant_id", flat=True)
            .first()
        )
        return Tenant.objects.filter(pk=tenant_id, is_active=True).first() if tenant_id else None
