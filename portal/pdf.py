"""The signed PDF (WeasyPrint): exactly the document that was signed, then a certificate page with the
signature's audit trail, sealed with the tenant's signing identity (PAdES, tenants.seals). The sealed
file's SHA-256 is stored with the signature, so a PDF can later be checked byte for byte as well as by
its seal (portal/verify.py): the hash needs Accord's records, the seal can be checked by anyone who has
the tenant's certificate (any PDF reader shows who sealed it and whether it changed since).
"""

from __future__ import annotations

import base64
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from contracts import signatures, signers
from contracts.models import Signature, Signer
from tenants import branding, seals
from tenants.localtime import tenant_zone
from tenants.signing_identities import current_signing_identity

# Print styles live here rather than in a template: WeasyPrint reads them directly, and templates keep
# the rule that no page carries inline styles.
PDF_CSS = """
@page {
  size: A4;
  margin: 20mm 18mm 22mm;
  @bottom-left { content: element(agreement-ref); }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; }
}
html { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 10pt; line-height: 1.45;
       color: #111; }
.agreement-ref { position: running(agreement-ref); font-size: 8pt; color: #555; }
h1 { font-size: 18pt; margin: 0 0 6mm; color: #1f4e79; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; color: #1f4e79; break-after: avoid; }
h3 { font-size: 11pt; margin: 5mm 0 2mm; break-after: avoid; }
p, li { orphans: 3; widows: 3; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; break-inside: avoid; }
th, td { border: 0.5pt solid #999; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
a { color: inherit; text-decoration: none; }
nav, .toc { display: none; }
.certificate { break-before: page; font-size: 9pt; line-height: 1.35; }
.certificate h1 { font-size: 15pt; margin-bottom: 3mm; }
.certificate h2 { font-size: 11pt; margin: 4mm 0 1.5mm; }
.certificate .lead { color: #333; margin: 0 0 3mm; }
.certificate table { margin: 0; }
.certificate th, .certificate td { padding: 1mm 2mm; }
.certificate table th { width: 30%; background: #f4f6f9; font-weight: bold; }
.certificate td { word-break: break-all; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; margin: 0 0 1mm; }
.consent { white-space: pre-wrap; font-size: 8.5pt; border: 0.5pt solid #999; padding: 1.5mm 2.5mm;
           background: #fafafa; margin: 0; }
.note { font-size: 8pt; color: #444; margin: 1mm 0 0; }
.signature-block { break-inside: avoid; margin-top: 8mm; }
.signature-block h2 { margin-bottom: 3mm; }
.signatures { display: flex; flex-wrap: wrap; gap: 6mm; }
.signature-box { width: 75mm; border-top: 0.6pt solid #333; padding-top: 1.5mm; break-inside: avoid; }
.signature-box img { display: block; width: 60mm; height: auto; max-height: 25mm; object-fit: contain;
                     margin-bottom: 1mm; }
.signature-box .typed { font-size: 12pt; font-style: italic; margin: 0; }
.signature-box .meta { font-size: 8pt; color: #444; margin: 0; }
.certificate .signer { break-inside: avoid; margin-bottom: 3mm; }
/* The contract document's own markup (contracts/documents): parties as a two-column list. */
.contract-kind { color: #555; font-size: 9pt; margin: 0 0 1mm; }
.contract-title { margin-top: 0; }
.contract-parties { display: grid; grid-template-columns: 28mm auto; gap: 1mm 4mm; margin: 0 0 4mm; }
.contract-parties dt { font-weight: bold; }
.contract-parties dd { margin: 0; }
.table-responsive { break-inside: avoid; }
caption { caption-side: bottom; text-align: left; font-size: 8.5pt; color: #555; padding-top: 1mm; }
.badge { font-weight: bold; }
.text-bg-success { color: #146c2e; }
.text-bg-warning { color: #6b4e00; }
"""


@dataclass(frozen=True)
class Moment:
    """One time of the trail, in UTC and in the tenant's zone."""

    label: str
    utc: str
    local: str


def _moment(label: str, when: datetime | None, zone: zoneinfo.ZoneInfo) -> Moment:
    if when is None:
        return Moment(label, "not recorded", "")
    return Moment(
        label,
        when.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S UTC"),
        when.astimezone(zone).strftime(f"%Y-%m-%d %H:%M:%S %Z ({zone.key})"),
    )


@dataclass(frozen=True)
class SignedBy:
    """One signer as the PDF shows them: the signature block and their part of the certificate."""

    signature: Signature
    role: str
    drawn_data_url: str  # "" when they typed only
    email_verified: Moment | None
    moments: list[Moment]


def _drawn_data_url(signature: Signature) -> str:
    if not signature.drawn_signature:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(signature.drawn_signature)).decode("ascii")


def certificate_context(signature: Signature) -> dict:
    """What the signed PDF of ``signature`` shows: its document and every signature it carries (all
    the agreement's signers up to this one, or this one alone), each with its trail."""
    agreement = signature.agreement
    tenant = agreement.tenant
    zone = tenant_zone(tenant)
    roles = dict(
        Signer.objects.filter(agreement_id=agreement.pk, signature__isnull=False).values_list(
            "signature_id", "role"
        )
    )
    signed_by = [
        SignedBy(
            signature=each,
            role=roles.get(each.pk, ""),
            drawn_data_url=_drawn_data_url(each),
            email_verified=_moment("Email confirmed", each.email_verified_at, zone)
            if each.email_verified_at
            else None,
            moments=[
                _moment("Sent", each.sent_at, zone),
                _moment("First viewed", each.first_viewed_at, zone),
                _moment("Signed", each.signed_at, zone),
            ],
        )
        for each in signers.signatures_on_record(signature)
    ]
    return {
        "signature": signature,
        "signed_by": signed_by,
        "agreement": agreement,
        "tenant": tenant,
        "client": agreement.client,
        "version": agreement.version,
        "moments": signed_by[-1].moments,
        "verify_url": f"{settings.SITE_URL}{reverse('public_verify')}",
    }


def render_signed_pdf(signature: Signature) -> bytes:
    """The PDF of a signed signature: its stored document HTML (not a new rendering) and the certificate."""
    import weasyprint

    if signature.signed_at is None or not signature.document_sha256:
        raise ValueError("Only a completed signature has a signed PDF.")
    tenant = signature.agreement.tenant
    context = {**certificate_context(signature), **branding.pdf_context(tenant)}  # the logo on top
    html = render_to_string("portal/pdf/signed_agreement.html", context)
    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR / "static"))
    return document.write_pdf(
        stylesheets=[weasyprint.CSS(string=PDF_CSS), weasyprint.CSS(string=branding.pdf_css(tenant))]
    )


def seal_signed_pdf(signature: Signature, pdf: bytes) -> bytes:
    """``pdf`` sealed by the agreement's tenant with its current signing identity (issued first if the
    tenant has none): "Sealed by <tenant> for agreement <n>". Within the caller's tenant scope."""
    agreement = signature.agreement
    tenant = agreement.tenant
    return seals.seal_pdf(
        pdf,
        identity=current_signing_identity(tenant),
        reason=f"Sealed by {tenant.name} for agreement {agreement.pk}",
        location=f"Accord, {settings.SITE_URL}",
        signer_name=tenant.name,
        contact_info=tenant.reply_to_email,
        timestamping=seals.configured_timestamping(),
    )


def attach_signed_pdf(signature: Signature) -> Signature:
    """Render the signed PDF, seal it, and have contracts store it once with the SHA-256 of the sealed
    file (within the caller's tenant)."""
    return signatures.store_signed_pdf(signature, seal_signed_pdf(signature, render_signed_pdf(signature)))


def stored_signed_pdf(signature: Signature) -> bytes:
    """The signed PDF exactly as the portal serves it for download: the stored file, whose SHA-256 is on
    record (a new rendering would differ byte for byte). Rendered and stored first if it is missing."""
    if not signature.pdf:
        attach_signed_pdf(signature)
    return bytes(signature.pdf)


def signed_pdf_filename(signature: Signature) -> str:
    """``<Client> - <Title> v<N> (signed).pdf``, without characters a file system or mail client refuses."""
    agreement = signature.agreement
    name = f"{agreement.client.name} - {agreement.version.title} v{agreement.version.number} (signed)"
    return " ".join(re.sub(r'[\\/:*?"<>|\x00-\x1f]', " ", name).split())[:150] + ".pdf"
