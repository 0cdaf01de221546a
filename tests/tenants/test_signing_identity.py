"""Every tenant has a signing identity (the key and certificate that seal its signed PDFs): issued by
Accord at creation or first use, its private key never stored in clear; owners may replace it with a
PKCS#12 of their own, and a file that cannot be used changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tenants import checks, key_encryption, signing_identities
from tenants.models import SigningIdentity, SigningIdentitySource
from tenants.roles import Role
from tenants.scope import tenant_scope
from tenants.services import create_tenant
from tests import pki

pytestmark = pytest.mark.django_db

COMPANY = reverse("tenants:company")
SEAL = reverse("tenants:seal")


def current(tenant) -> SigningIdentity:
    with tenant_scope(tenant):
        return SigningIdentity.objects.get(retired_at__isnull=True)


def test_a_new_tenant_gets_a_self_issued_p256_certificate_naming_it():
    tenant = create_tenant(name="Harbor AV", owner_email="owner@harbor.example")
    identity = current(tenant)
    certificate = signing_identities.certificate_of(identity)
    assert identity.source == SigningIdentitySource.SELF_ISSUED
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Harbor AV"
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Harbor AV"
    assert certificate.issuer == certificate.subject
    assert isinstance(certificate.public_key(), ec.EllipticCurvePublicKey)
    assert certificate.public_key().curve.name == "secp256r1"
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment  # nonRepudiation
    assert not usage.key_cert_sign
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert timedelta(days=365 * 10) < lifetime < timedelta(days=365 * 10 + 10)
    assert identity.fingerprint_sha256 == signing_identities.fingerprint(certificate)


def test_a_tenant_without_one_gets_it_on_first_use_and_keeps_it(tenant):
    with tenant_scope(tenant):
        assert not SigningIdentity.objects.exists()
        first = signing_identities.current_signing_identity(tenant)
        again = signing_identities.current_signing_identity(tenant)
        assert first.pk == again.pk
        assert SigningIdentity.objects.count() == 1


def test_the_private_key_is_not_stored_in_clear(tenant):
    with tenant_scope(tenant):
        identity = signing_identities.current_signing_identity(tenant)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT encrypted_private_key FROM tenants_signingidentity WHERE id = %s", [identity.pk]
            )
            stored = bytes(cursor.fetchone()[0])
    private_der = signing_identities.key_material(identity).private_key_der
    key = serialization.load_der_private_key(private_der, password=None)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    raw_scalar = key.private_numbers().private_value.to_bytes(32, "big")
    assert private_der not in stored
    assert raw_scalar not in stored
    assert b"PRIVATE KEY" not in stored
    assert pem not in stored
    assert stored.startswith(key_encryption.FORMAT)


def test_an_encrypted_key_opens_only_for_its_tenant_and_with_the_configured_secret(settings):
    sealed = key_encryption.encrypt_private_key(b"key bytes", tenant_id=7)
    assert key_encryption.decrypt_private_key(sealed, tenant_id=7) == b"key bytes"
    with pytest.raises(key_encryption.KeyDecryptionError):
        key_encryption.decrypt_private_key(sealed, tenant_id=8)  # copied onto another tenant's row
    settings.ACCORD_SIGNING_KEY_SECRET = "a new secret"
    with pytest.raises(key_encryption.KeyDecryptionError):
        key_encryption.decrypt_private_key(sealed, tenant_id=7)


def test_the_secret_rotates_the_first_encrypts_any_decrypts(settings):
    settings.ACCORD_SIGNING_KEY_SECRET = "old secret"
    old = key_encryption.encrypt_private_key(b"old key", tenant_id=1)
    settings.ACCORD_SIGNING_KEY_SECRET = "new secret, old secret"
    new = key_encryption.encrypt_private_key(b"new key", tenant_id=1)
    assert key_encryption.decrypt_private_key(old, tenant_id=1) == b"old key"
    settings.ACCORD_SIGNING_KEY_SECRET = "new secret"
    assert key_encryption.decrypt_private_key(new, tenant_id=1) == b"new key"


def test_check_deploy_notes_when_the_signing_key_secret_is_not_set(settings):
    settings.ACCORD_SIGNING_KEY_SECRET = ""
    assert [w.id for w in checks.signing_key_secret_is_set(None)] == ["accord.I001"]
    settings.ACCORD_SIGNING_KEY_SECRET = "x" * 40
    assert checks.signing_key_secret_is_set(None) == []


def test_the_system_check_is_registered_for_deploy(settings, capsys):
    settings.ACCORD_SIGNING_KEY_SECRET = ""
    call_command("check", "--deploy", "--tag", "security", fail_level="CRITICAL")
    assert "accord.I001" in capsys.readouterr().err


def test_another_tenant_cannot_read_an_identity(tenant, other_tenant):
    mine = current_or_issue(tenant)
    with tenant_scope(other_tenant):
        assert not SigningIdentity.objects.filter(pk=mine.pk).exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tenants_signingidentity WHERE id = %s", [mine.pk])
            assert cursor.fetchone()[0] == 0


def current_or_issue(tenant) -> SigningIdentity:
    with tenant_scope(tenant):
        return signing_identities.current_signing_identity(tenant)


# --- Replacing it with an uploaded PKCS#12 --------------------------------------------------------


def replace(tenant, data: bytes, password: str = "correct horse") -> SigningIdentity:
    with tenant_scope(tenant):
        return signing_identities.replace_with_pkcs12(tenant, data=data, password=password)


def refusal(tenant, data: bytes, password: str = "correct horse") -> dict:
    before = current_or_issue(tenant)
    with pytest.raises(ValidationError) as raised:
        replace(tenant, data, password)
    assert current(tenant).pk == before.pk, "the old identity stays"
    with tenant_scope(tenant):
        assert SigningIdentity.objects.count() == 1
    return raised.value.message_dict


def test_an_uploaded_pkcs12_becomes_current_and_the_old_identity_is_kept(tenant):
    old = current_or_issue(tenant)
    key = pki.ec_key()
    certificate = pki.certificate("Harbor AV document signing", key)
    new = replace(tenant, pki.pkcs12_file(key, certificate))
    assert current(tenant).pk == new.pk
    assert new.source == SigningIdentitySource.UPLOADED
    assert new.fingerprint_sha256 == signing_identities.fingerprint(certificate)
    with tenant_scope(tenant):
        old.refresh_from_db()
        assert old.retired_at is not None
        assert [i.pk for i in signing_identities.signing_identities(tenant)] == [new.pk, old.pk]


def test_a_certificate_issued_by_a_ca_is_taken_with_its_chain(tenant):
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = pki.certificate("Test CA", ca_key, ca=True, days=3650)
    key = pki.ec_key()
    leaf = pki.certificate("Harbor AV", key, issuer_key=ca_key, issuer_name="Test CA")
    identity = replace(tenant, pki.pkcs12_file(key, leaf, cas=[ca]))
    assert identity.issuer == "CN=Test CA"
    assert [signing_identities.fingerprint(c) for c in signing_identities.chain_of(identity)] == [
        signing_identities.fingerprint(ca)
    ]


def test_a_wrong_password_is_refused(tenant):
    key = pki.ec_key()
    data = pki.pkcs12_file(key, pki.certificate("Harbor AV", key), password="correct horse")
    errors = refusal(tenant, data, password="battery staple")
    assert errors == {"password": ["The password does not open this file. Check it and try again."]}


def test_a_file_that_is_not_pkcs12_is_refused(tenant):
    assert "not a PKCS#12" in refusal(tenant, b"-----BEGIN CERTIFICATE-----\n")["file"][0]


def test_an_expired_certificate_is_refused(tenant):
    key = pki.ec_key()
    expired = pki.certificate("Harbor AV", key, not_before=datetime.now(UTC) - timedelta(days=400), days=365)
    assert "expired on" in refusal(tenant, pki.pkcs12_file(key, expired))["file"][0]


def test_a_certificate_not_for_signatures_is_refused(tenant):
    key = pki.ec_key()
    encryption_only = pki.certificate("Harbor AV", key, signing=False)
    assert "not for signatures" in refusal(tenant, pki.pkcs12_file(key, encryption_only))["file"][0]


def test_a_weak_rsa_key_is_refused(tenant):
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert (
        "at least 2048" in refusal(tenant, pki.pkcs12_file(key, pki.certificate("Harbor AV", key)))["file"][0]
    )


def test_a_file_without_its_private_key_is_refused(tenant):
    from cryptography.hazmat.primitives.serialization import pkcs12

    key = pki.ec_key()
    only_certificate = pkcs12.serialize_key_and_certificates(
        b"x", None, None, [pki.certificate("Harbor AV", key)], serialization.BestAvailableEncryption(b"pw")
    )
    assert "no" in refusal(tenant, only_certificate, password="pw")["file"][0]


# --- The company settings page ---------------------------------------------------------------------


def test_the_company_page_shows_the_certificate(staff_client, tenant):
    page = staff_client.get(COMPANY).content.decode()
    identity = current(tenant)
    assert "Document seal" in page
    assert identity.fingerprint_sha256 in page
    assert f"CN={tenant.name}" in page
    assert "Issued by Accord" in page
    assert "Replace the certificate" in page  # owners may


def test_an_owner_uploads_a_pkcs12_and_the_page_shows_the_new_certificate(staff_client, tenant):
    key = pki.ec_key()
    certificate = pki.certificate("Harbor AV document signing", key)
    response = staff_client.post(
        SEAL,
        {
            "file": SimpleUploadedFile("seal.p12", pki.pkcs12_file(key, certificate)),
            "password": "correct horse",
        },
    )
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "Signed PDFs are now sealed with the certificate of CN=Harbor AV document signing" in page
    assert signing_identities.fingerprint(certificate) in page


def test_a_wrong_password_shows_a_clear_error_and_keeps_the_old_certificate(staff_client, tenant):
    before = current_or_issue(tenant)
    key = pki.ec_key()
    data = pki.pkcs12_file(key, pki.certificate("Harbor AV", key))
    response = staff_client.post(SEAL, {"file": SimpleUploadedFile("seal.p12", data), "password": "wrong"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The password does not open this file. Check it and try again." in page
    assert before.fingerprint_sha256 in page
    assert current(tenant).pk == before.pk


def test_a_manager_sees_the_certificate_but_cannot_replace_it(client, login_as, tenant):
    login_as(tenant, Role.MANAGER)
    page = client.get(COMPANY).content.decode()
    assert "Document seal" in page
    assert "Replace the certificate" not in page
    key = pki.ec_key()
    data = pki.pkcs12_file(key, pki.certificate("Mallory", key))
    assert (
        client.post(
            SEAL, {"file": SimpleUploadedFile("seal.p12", data), "password": "correct horse"}
        ).status_code
        == 403
    )
    with tenant_scope(tenant):
        assert SigningIdentity.objects.count() == 1
