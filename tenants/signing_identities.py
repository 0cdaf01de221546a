"""A tenant's signing identity: the key and X.509 certificate that seal its signed PDFs (tenants.seals).

Every tenant has one current identity. Accord issues it itself (ECDSA P-256, a self-issued certificate
naming the company, valid ten years) when the tenant is created, or on first use for a tenant that has
none. An owner may replace it with their own key and certificate from a PKCS#12 file; the previous one is
retired, never deleted, so PDFs it sealed still verify. Private keys are stored encrypted
(tenants.key_encryption). Only this module writes SigningIdentity rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tenants.key_encryption import decrypt_private_key, encrypt_private_key
from tenants.models import SigningIdentity, SigningIdentitySource, Tenant

SELF_ISSUED_VALIDITY = timedelta(days=3652)  # ten years
# Issued a little in the past, so a seal made right away is inside the validity even with clock skew.
SELF_ISSUED_BACKDATE = timedelta(days=1)
MAX_PKCS12_BYTES = 256 * 1024
MIN_RSA_BITS = 2048

SigningKey = (
    ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)


@dataclass(frozen=True)
class KeyMaterial:
    """A decrypted identity, for the seal itself. Never stored or logged."""

    private_key_der: bytes  # PKCS#8
    certificate: x509.Certificate
    chain: list[x509.Certificate]


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(_der(certificate)).hexdigest()


def _private_der(key: SigningKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _new_identity(
    tenant: Tenant,
    *,
    key: SigningKey,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    source: str,
    now: datetime,
    created_by=None,
) -> SigningIdentity:
    return SigningIdentity(
        tenant=tenant,
        source=source,
        certificate=_der(certificate),
        chain_pem="".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain),
        encrypted_private_key=encrypt_private_key(_private_der(key), tenant_id=tenant.pk),
        fingerprint_sha256=fingerprint(certificate),
        subject=certificate.subject.rfc4514_string()[:500],
        issuer=certificate.issuer.rfc4514_string()[:500],
        not_valid_before=certificate.not_valid_before_utc,
        not_valid_after=certificate.not_valid_after_utc,
        created_at=now,
        created_by=created_by,
    )


def self_issued_certificate(name: str, key: ec.EllipticCurvePrivateKey, *, now: datetime) -> x509.Certificate:
    """A certificate the tenant's key issues itself: CN and O are the company's name, valid ten years,
    for digital signatures and non-repudiation only."""
    label = " ".join(name.split())[:64] or "Accord tenant"  # X.509 caps both attributes at 64 characters
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, label), x509.NameAttribute(NameOID.ORGANIZATION_NAME, label)]
    )
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - SELF_ISSUED_BACKDATE)
        .not_valid_after(now + SELF_ISSUED_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )


def _issue_self_signed(tenant: Tenant, *, now: datetime) -> SigningIdentity:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = self_issued_certificate(tenant.name, key, now=now)
    return _new_identity(
        tenant, key=key, certificate=certificate, chain=[], source=SigningIdentitySource.SELF_ISSUED, now=now
    )


def current_signing_identity(tenant: Tenant, *, now: datetime | None = None) -> SigningIdentity:
    """The tenant's current identity, issuing a self-signed one first when it has none (tenants made
    before identities existed, or by a factory). Safe under concurrency: of two first uses, one creates
    it and the other reads it. Runs inside ``tenant_scope(tenant)``."""
    existing = SigningIdentity.objects.filter(tenant=tenant, retired_at__isnull=True).first()
    if existing is not None:
        return existing
    identity = _issue_self_signed(tenant, now=now or timezone.now())
    try:
        with transaction.atomic():
            identity.save()
    except IntegrityError:  # another request issued one at the same moment: use theirs
        return SigningIdentity.objects.get(tenant=tenant, retired_at__isnull=True)
    return identity


def signing_identities(tenant: Tenant) -> list[SigningIdentity]:
    """Every identity the tenant has sealed with, current first: what the verify page trusts."""
    current_first = F("retired_at").desc(nulls_first=True)
    return list(SigningIdentity.objects.filter(tenant=tenant).order_by(current_first, "-created_at", "-id"))


def key_material(identity: SigningIdentity) -> KeyMaterial:
    """The decrypted key with its certificates. KeyDecryptionError when the secret no longer opens it."""
    return KeyMaterial(
        private_key_der=decrypt_private_key(identity.encrypted_private_key, tenant_id=identity.tenant_id),
        certificate=certificate_of(identity),
        chain=chain_of(identity),
    )


def certificate_of(identity: SigningIdentity) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(identity.certificate))


def chain_of(identity: SigningIdentity) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(identity.chain_pem.encode()) if identity.chain_pem else []


# --- Replacing it with an uploaded PKCS#12 ---------------------------------------------------------


def _is_pkcs12(data: bytes) -> bool:
    from asn1crypto import pkcs12 as asn1_pkcs12

    try:
        asn1_pkcs12.Pfx.load(data)["auth_safe"]["content"].native  # noqa: B018 (parses it)
    except Exception:
        return False
    return True


def _open_pkcs12(data: bytes, password: str):
    if not data:
        raise ValidationError({"file": "Choose a .p12 or .pfx file."})
    if len(data) > MAX_PKCS12_BYTES:
        raise ValidationError({"file": "That file is too large for a PKCS#12 key and certificate."})
    if not _is_pkcs12(data):
        raise ValidationError({"file": "This is not a PKCS#12 (.p12 or .pfx) file."})
    passwords = [password.encode()] + ([None] if not password else [])
    for candidate in passwords:
        try:
            return pkcs12.load_key_and_certificates(data, candidate)
        except ValueError:
            continue
    raise ValidationError({"password": "The password does not open this file. Check it and try again."})


def _signing_key_problem(key, certificate: x509.Certificate) -> str:
    if key is None:
        return "The file holds no private key: export the certificate together with its key."
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            return f"The RSA key has {key.key_size} bits; a signing key needs at least {MIN_RSA_BITS}."
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1 | ec.SECP384R1 | ec.SECP521R1):
            return f"Keys on the curve {key.curve.name} are not supported: use P-256, P-384 or P-521."
    elif not isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return "This key cannot make signatures: use an ECDSA, RSA or Ed25519 key."
    public = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*public) != certificate.public_key().public_bytes(*public):
        return "The private key does not belong to the certificate in the file."
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ""
    if not (usage.digital_signature or usage.content_commitment):
        return (
            "This certificate is not for signatures (its key usage allows neither digital signature nor "
            "non-repudiation). Ask your certificate authority for a document-signing certificate."
        )
    return ""


def _validity_problem(certificate: x509.Certificate, now: datetime) -> str:
    if certificate.not_valid_after_utc <= now:
        return f"This certificate expired on {certificate.not_valid_after_utc:%d %b %Y}."
    if certificate.not_valid_before_utc > now:
        return f"This certificate is not valid until {certificate.not_valid_before_utc:%d %b %Y}."
    return ""


@transaction.atomic
def replace_with_pkcs12(
    tenant: Tenant, *, data: bytes, password: str, by=None, now: datetime | None = None
) -> SigningIdentity:
    """Make the key and certificate in a PKCS#12 file the tenant's identity. Checked first, all of it:
    the password opens it; it holds a signing key (ECDSA P-256/384/521, RSA >= 2048, Ed25519/Ed448)
    that belongs to the certificate; the certificate is valid now and allows signatures; and a trial
    seal with it verifies. Raises ValidationError (keyed ``file`` or ``password``) and changes nothing
    otherwise; on success the previous identity is retired (kept for verifying older PDFs)."""
    from tenants import seals

    now = now or timezone.now()
    key, certificate, extra = _open_pkcs12(data, password or "")
    if certificate is None:
        raise ValidationError({"file": "The file holds no certificate."})
    if problem := _signing_key_problem(key, certificate) or _validity_problem(certificate, now):
        raise ValidationError({"file": problem})
    chain = [c for c in extra or [] if fingerprint(c) != fingerprint(certificate)]
    identity = _new_identity(
        tenant,
        key=key,
        certificate=certificate,
        chain=chain,
        source=SigningIdentitySource.UPLOADED,
        now=now,
        created_by=by,
    )
    if problem := seals.trial_problem(identity):
        raise ValidationError({"file": f"A test seal with this certificate does not verify: {problem}"})
    current = (
        SigningIdentity.objects.select_for_update().filter(tenant=tenant, retired_at__isnull=True).first()
    )
    if current is not None:
        current.retired_at = now
        current.save(update_fields=["retired_at"])
    identity.save()
    return identity
