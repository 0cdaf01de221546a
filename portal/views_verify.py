"""The public verify page (no sign-in): anyone holding a signed PDF, or a SHA-256 from its certificate
page, checks whether it was issued through Accord and unchanged since.

It shows only what the certificate page already shows to whoever holds the PDF (who signed, as what,
when, the fingerprints, the seal), and nothing to whoever holds a hash that matches nothing. Every check
counts against the caller's address (accounts.rate_limits, ``public_verify_per_ip``). The tenant comes
from the hash (portal.verify.tenant_of_hash, the one cross-tenant read); the check itself runs inside
that tenant like the staff page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.origin import client_ip
from accounts.rate_limits import hit, limit
from contracts import signers
from portal import verify
from portal.forms import VerifyForm
from tenants.scope import tenant_scope

TEMPLATE = "portal/verify_public.html"
PER_IP = "public_verify_per_ip"


def _page(request, context: dict, *, status: int = 200):
    response = render(request, TEMPLATE, {"form": VerifyForm(), **context}, status=status)
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response


def _checked(request, form: VerifyForm):
    """(tenant, verification) for the form's PDF or hash, checked within the tenant that issued it;
    (None, None) with the form's error for a malformed hash."""
    upload = form.cleaned_data.get("pdf")
    if upload:
        data = b"".join(upload.chunks())
        digest = verify.sha256_of(data)
        tenant = verify.tenant_of_hash(digest, pdf_only=True)
        if tenant is None:
            return None, verify.Verification(digest)
        with tenant_scope(tenant):
            return tenant, verify.verify_pdf(data)
    try:
        digest = verify.normalize_hash(form.cleaned_data["sha256"])
    except ValidationError as error:
        form.add_error("sha256", error)
        return None, None
    tenant = verify.tenant_of_hash(digest)
    if tenant is None:
        return None, verify.Verification(digest)
    with tenant_scope(tenant):
        return tenant, verify.verify_hash(digest)


@require_http_methods(["GET", "HEAD", "POST"])
def public_verify(request):
    if request.method != "POST":
        return _page(request, {})
    decision = hit(limit(PER_IP), client_ip(request) or "unknown")
    if not decision.allowed:
        response = _page(request, {"throttled_minutes": max(1, -(-decision.retry_after // 60))}, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, {"form": form}, status=400)
    tenant, result = _checked(request, form)
    if result is None:
        return _page(request, {"form": form}, status=400)
    upload = form.cleaned_data.get("pdf")
    context = {"result": result, "checked": upload.name if upload else "", "checked_file": bool(upload)}
    if tenant is None or result.signature is None:
        return _page(request, context)
    with tenant_scope(tenant):
        signed_by = signers.signatures_on_record(result.signature)
        roles = signers.roles_of(signed_by)
        context |= {
            "issuer": tenant,
            "agreement": result.signature.agreement,
            "signed_by": [(each, roles.get(each.pk, "")) for each in signed_by],
        }
        return _page(request, context)
