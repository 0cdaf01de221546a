"""Keys and certificates for tests: PKCS#12 files as an owner would upload them, and a test timestamp
authority (pyHanko's DummyTimeStamper, which signs with RSA only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _usage(*, signing=True, time_stamping=False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing or time_stamping,
        content_commitment=signing,
        key_encipherment=not signing,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def certificate(
    name: str,
    key,
    *,
    issuer_key=None,
    issuer_name: str | None = None,
    not_before: datetime | None = None,
    days: int = 365,
    signing: bool = True,
    time_stamping: bool = False,
    ca: bool = False,
) -> x509.Certificate:
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]) if issuer_name else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key((issuer_key or key).public_key()),
            critical=False,
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(_usage(signing=signing, time_stamping=time_stamping), critical=True)
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


def pkcs12_file(key, cert, password: str = "correct horse", cas=()) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"seal", key, cert, list(cas) or None, encryption)


def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def timestamp_authority():
    """(DummyTimeStamper, its certificate as asn1crypto, its certificate PEM)."""
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = certificate("Test Timestamp Authority", key, time_stamping=True, days=3650)
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return (
        DummyTimeStamper(tsa_cert=asn1(cert), tsa_key=key_info),
        asn1(cert),
        cert.public_bytes(serialization.Encoding.PEM),
    )
