"""PAdES seals (pyHanko): a tenant's signing identity signs a finished PDF, and a PDF's seal is checked
against the tenant's own certificates.

A seal is an approval signature with the ``/ETSI.CAdES.detached`` sub-filter. With a timestamp authority
configured (``ACCORD_TSA_URL``) it is PAdES B-LT: an RFC 3161 timestamp in the signature and the
validation information (certificates, revocation data) embedded in a following revision. Without one it is
PAdES B-B. When the authority does not answer, the PDF is sealed B-B rather than not at all (a signer must
not be turned away because a third party is down), and a warning is logged.

A check trusts exactly the tenant's certificates (current and retired ones) as anchors, never a
certificate authority: a certificate that some CA issued to someone else must not pass as the tenant's.
It validates at the time the seal claims (a certificate that expired since does not break old seals).
Any error while reading or validating makes the seal count as broken, never as intact.
"""

from __future__ import annotations

import enum
import functools
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from tenants import signing_identities

if TYPE_CHECKING:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps import TimeStamper

    from tenants.models import SigningIdentity

logger = logging.getLogger(__name__)

FIELD_NAME = "AccordSeal"
SIGNER_KEY_USAGE = frozenset({"digital_signature", "non_repudiation"})  # either one suffices


@dataclass(frozen=True)
class Timestamping:
    """Where timestamps come from, and the roots that make that authority trusted."""

    timestamper: TimeStamper
    trust_roots: list[asn1_x509.Certificate]


@functools.lru_cache(maxsize=4)
def _load_pem_roots(path: str) -> tuple[asn1_x509.Certificate, ...]:
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    data = Path(path).read_bytes()
    return tuple(asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))


def timestamp_trust_roots() -> list[asn1_x509.Certificate]:
    """The roots a timestamp authority must chain to: ``ACCORD_TSA_TRUST_ROOTS``, else the Mozilla roots
    (certifi), where the public authorities' roots usually are."""
    if settings.ACCORD_TSA_TRUST_ROOTS:
        return list(_load_pem_roots(settings.ACCORD_TSA_TRUST_ROOTS))
    import certifi

    return list(_load_pem_roots(certifi.where()))


def configured_timestamping() -> Timestamping | None:
    """The timestamp authority from the settings, or None (seals are then B-B)."""
    if not settings.ACCORD_TSA_URL:
        return None
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    return Timestamping(
        RequestsHTTPTimeStamper(settings.ACCORD_TSA_URL, timeout=settings.ACCORD_TSA_TIMEOUT_SECONDS),
        timestamp_trust_roots(),
    )


def _asn1(certificate) -> asn1_x509.Certificate:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _signer(identity: SigningIdentity):
    from asn1crypto import keys
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    material = signing_identities.key_material(identity)
    return signers.SimpleSigner(
        signing_cert=_asn1(material.certificate),
        signing_key=keys.PrivateKeyInfo.load(material.private_key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in material.chain]),
    )


def _anchors(identity: SigningIdentity) -> list[asn1_x509.Certificate]:
    return [_asn1(signing_identities.certificate_of(identity))]


def _chain(identity: SigningIdentity) -> list[asn1_x509.Certificate]:
    return [_asn1(c) for c in signing_identities.chain_of(identity)]


def _sign(pdf: bytes, signer, meta, timestamper) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(writer, output=out)
    return out.getvalue()


def seal_pdf(
    pdf: bytes,
    *,
    identity: SigningIdentity,
    reason: str,
    location: str = "",
    signer_name: str = "",
    contact_info: str = "",
    timestamping: Timestamping | None = None,
) -> bytes:
    """The PDF with the identity's PAdES seal over the whole file (B-LT with ``timestamping``, else B-B).
    Raises KeyDecryptionError when the stored key cannot be decrypted: nothing is sealed with a wrong key.
    """
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator import ValidationContext

    signer = _signer(identity)

    def metadata(validation_context=None):
        return signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            reason=reason,
            location=location or None,
            name=signer_name or None,
            contact_info=contact_info or None,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=validation_context is not None,
            validation_context=validation_context,
            signer_key_usage=set(SIGNER_KEY_USAGE),
        )

    if timestamping is not None:
        context = ValidationContext(
            trust_roots=_anchors(identity) + list(timestamping.trust_roots),
            other_certs=_chain(identity),
            allow_fetching=True,
            revocation_mode="soft-fail",
        )
        try:
            return _sign(pdf, signer, metadata(context), timestamping.timestamper)
        except Exception:
            logger.warning("Timestamped (B-LT) seal failed; sealing without a timestamp (B-B)", exc_info=True)
    return _sign(pdf, signer, metadata(), None)


# --- Checking a seal --------------------------------------------------------------------------------


class SealStatus(enum.StrEnum):
    SEALED = "sealed"  # by one of the tenant's identities, intact, nothing but validation data added since
    BROKEN = "broken"  # a seal is there but the file changed after it, or it cannot be read or validated
    FOREIGN = "foreign"  # intact or not, the seal is not made with any of the tenant's certificates
    NONE = "none"  # no seal at all (e.g. a PDF sealed before seals existed)


@dataclass(frozen=True)
class SealCheck:
    status: SealStatus
    detail: str = ""
    sealed_at: datetime | None = None
    timestamped: bool = False  # sealed_at comes from a trusted timestamp authority, not the sealer's clock
    identity: SigningIdentity | None = None
    signer_subject: str = ""

    @property
    def is_sealed(self) -> bool:
        return self.status == SealStatus.SEALED


def _fingerprint(certificate: asn1_x509.Certificate) -> str:
    import hashlib

    return hashlib.sha256(certificate.dump()).hexdigest()


def _validation_context(trust_roots, *, other_certs=(), moment=None):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=list(trust_roots),
        other_certs=list(other_certs),
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def check_seal(
    pdf: bytes, identities: list[SigningIdentity], *, timestamp_roots: list | None = None
) -> SealCheck:
    """Whether ``pdf`` carries an intact seal made with one of ``identities`` (the tenant's), covering
    the whole file but for validation data added after it. ``timestamp_roots``: the authorities whose
    timestamps are trusted (default: timestamp_trust_roots())."""
    try:
        return _check_seal(pdf, identities, timestamp_roots=timestamp_roots)
    except Exception as error:  # any read or validation error: never "sealed"
        logger.info("Seal check failed: %r", error)
        if b"/ByteRange" in pdf:
            return SealCheck(SealStatus.BROKEN, "The file could not be read as a sealed PDF.")
        return SealCheck(SealStatus.NONE, "The file could not be read as a PDF.")


def _check_seal(pdf: bytes, identities: list[SigningIdentity], *, timestamp_roots) -> SealCheck:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    embedded = list(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures)
    if not embedded:
        return SealCheck(SealStatus.NONE, "The file has no seal.")
    by_print = {identity.fingerprint_sha256: identity for identity in identities}
    ours = [(sig, by_print.get(_fingerprint(sig.signer_cert))) for sig in embedded]
    ours = [(sig, identity) for sig, identity in ours if identity is not None]
    if not ours:
        subject = embedded[0].signer_cert.subject.human_friendly
        return SealCheck(
            SealStatus.FOREIGN,
            "The seal was not made with this company's certificate.",
            None,
            signer_subject=subject,
        )
    sig, identity = ours[-1]
    unsigned = sig.signer_info["unsigned_attrs"]
    has_timestamp = unsigned.native is not None and any(
        attribute["type"].native == "signature_time_stamp_token" for attribute in unsigned
    )
    if has_timestamp and timestamp_roots is None:
        timestamp_roots = timestamp_trust_roots()
    try:
        status = validate_pdf_signature(
            sig,
            signer_validation_context=_validation_context(
                _anchors(identity), other_certs=_chain(identity), moment=sig.self_reported_timestamp
            ),
            # built only when there is a timestamp: a context with a hundred roots costs ~20 ms
            ts_validation_context=_validation_context(timestamp_roots) if has_timestamp else None,
            key_usage_settings=KeyUsageConstraints(key_usage=set(SIGNER_KEY_USAGE)),
        )
    except SignatureValidationError as error:
        return SealCheck(
            SealStatus.BROKEN, f"The seal does not validate ({error.failure_message}).", identity=identity
        )
    subject = identity.subject
    if not (status.intact and status.valid):
        return SealCheck(
            SealStatus.BROKEN,
            "The file was changed after it was sealed.",
            identity=identity,
            signer_subject=subject,
        )
    if not status.trusted:
        return SealCheck(
            SealStatus.BROKEN,
            "The certificate was not valid for sealing at the time of the seal.",
            identity=identity,
            signer_subject=subject,
        )
    covered = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    )
    if not covered:
        return SealCheck(
            SealStatus.BROKEN,
            "Content was added to the file after it was sealed.",
            identity=identity,
            signer_subject=subject,
        )
    timestamp = status.timestamp_validity
    if timestamp is not None and not (timestamp.intact and timestamp.valid):
        return SealCheck(
            SealStatus.BROKEN, "The seal's timestamp was changed.", identity=identity, signer_subject=subject
        )
    if timestamp is not None and timestamp.trusted:
        return SealCheck(SealStatus.SEALED, "", timestamp.timestamp, True, identity, subject)
    return SealCheck(SealStatus.SEALED, "", status.signer_reported_dt, False, identity, subject)


# --- Trying an identity before it is used ---------------------------------------------------------


def _blank_pdf() -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (0, 0, 595, 842)]
                ),
                generic.pdf_name("/Resources"): generic.DictionaryObject(),
            }
        )
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def trial_problem(identity: SigningIdentity) -> str:
    """Seal a blank page with ``identity`` (saved or not) and check it: '' when it verifies, else why."""
    try:
        sealed = seal_pdf(_blank_pdf(), identity=identity, reason="Trial seal")
    except Exception as error:
        return f"it cannot sign ({error})."
    check = check_seal(sealed, [identity])
    return "" if check.is_sealed else check.detail
