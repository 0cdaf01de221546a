"""The client portal: pages reached from an emailed link, with no staff login.

Every page takes the link's token. ``portal_page`` resolves it (the one cross-tenant lookup, in
portal/links.py) and runs the view inside the link's tenant; a token that opens nothing gets a page that
says why and what to do next. The agreement always comes from the link, never from the URL.
"""

from __future__ import annotations

import re
from functools import wraps
from html import unescape

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.origin import client_ip
from contracts.models import Agreement, AgreementStatus, SignerStatus
from portal import selectors, signing, throttles
from portal.forms import DeclineForm, EmailCodeForm, FreshLinkForm, SignForm
from portal.links import LinkRefused, Refusal, resolve_portal_link, send_fresh_link
from portal.models import LinkPurpose, PortalLink
from tenants.scope import tenant_scope

REFUSAL_STATUS = {
    Refusal.UNKNOWN: 404,
    Refusal.EXPIRED: 410,
    Refusal.REVOKED: 410,
    Refusal.WRONG_CONTACT: 403,
}


def _private(response):
    # A portal page belongs to one person: never cached on the way, never indexed.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, token: str, refused: LinkRefused):
    context = {"reason": refused.reason.value, "token": token}
    status = REFUSAL_STATUS[refused.reason]
    if refused.link is None:
        return render(request, "portal/refused.html", context, status=status)
    with tenant_scope(refused.link.tenant):
        context.update(
            tenant=refused.link.tenant,
            link=refused.link,
            form=FreshLinkForm() if refused.reason == Refusal.EXPIRED else None,
        )
        return render(request, "portal/refused.html", context, status=status)


def too_many_requests(request, decision, *, probing: bool, tenant=None):
    """The 429 page: what happened and when to try again (also in ``Retry-After``)."""
    context = {"probing": probing, "tenant": tenant, "retry_minutes": max(1, -(-decision.retry_after // 60))}
    response = render(request, "portal/too_many_requests.html", context, status=429)
    response["Retry-After"] = str(decision.retry_after)
    return _private(response)


def _counted_refusal(request, token: str, refused: LinkRefused):
    """The refusal page; a token that opens nothing (unknown, expired) counts against the address, and
    past its limit the address gets a 429 instead (portal/throttles.py)."""
    if refused.reason in (Refusal.UNKNOWN, Refusal.EXPIRED):
        decision = throttles.count_bad_token(client_ip(request))
        if not decision.allowed:
            return too_many_requests(request, decision, probing=True)
    return _private(_refused(request, token, refused))


def portal_page(view):
    """Resolve the token, then run ``view(request, link, ...)`` inside the link's tenant."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        resolved = resolve_portal_link(token)
        if isinstance(resolved, LinkRefused):
            return _counted_refusal(request, token, resolved)
        decision = throttles.count_link_request(resolved)
        if not decision.allowed:
            return too_many_requests(request, decision, probing=False, tenant=resolved.tenant)
        request.portal_link, request.portal_token = resolved, token
        with tenant_scope(resolved.tenant):
            response = view(request, resolved, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return _private(response)

    return wrapper


def _agreement(link: PortalLink) -> Agreement:
    # Read again inside the tenant: the scoped manager and row-level security both check the tenant.
    return get_object_or_404(
        Agreement.objects.select_related("client", "version", "tenant"), pk=link.agreement_id
    )


def _toc_entries(toc) -> list[dict]:
    """The document's table of contents (contracts.documents.TocEntry) as rows {anchor, text, level},
    levels counted from 1 and capped at 3 for the page."""
    rows = [{"anchor": entry.id, "text": entry.title, "level": entry.level} for entry in toc or ()]
    if rows:
        top = min(row["level"] for row in rows)
        for row in rows:
            row["level"] = min(row["level"] - top + 1, 3)
    return rows


def _common(request, link: PortalLink, agreement: Agreement, **extra) -> dict:
    return {
        "link": link,
        "tenant": agreement.tenant,
        "agreement": agreement,
        "client": agreement.client,
        "contact": link.contact,
        "token": request.portal_token,
        "is_signing_link": link.purpose == LinkPurpose.SIGN_AGREEMENT,
        **extra,
    }


def _sign_page(request, link, agreement, *, form=None, document=None, notice="", status=200, code_form=None):
    document = document or signing.document_for(agreement)
    disclosure = signing.disclosure_for(agreement)
    if form is None:
        form = SignForm(disclosure=disclosure, initial={"document_sha256": document.sha256})
    else:  # shown again with its errors: for the document as it is now
        form.data = form.data.copy()
        form.data["document_sha256"] = document.sha256
    signer = signing.signer_of(link)
    context = _common(
        request, link, agreement,
        document=document, toc=_toc_entries(document.toc), document_html=document.html,
        coverage=selectors.coverage_summary(agreement), terms=selectors.agreement_terms(agreement),
        disclosure=disclosure, form=form, notice=notice, signer=signer,
        others=signing.waiting_for(signer) if signer else [],
        needs_code=signing.needs_email_code(signer), code_form=code_form or EmailCodeForm(),
    )  # fmt: skip
    return render(request, "portal/sign.html", context, status=status)


def _signer_page(request, link, agreement, signer, *, status=200):
    """A named signer with nothing to do yet: signed and waiting for the others, or not their turn."""
    context = _common(request, link, agreement, signer=signer, others=signing.waiting_for(signer))
    return render(request, "portal/signer_waiting.html", context, status=status)


def _nothing_to_sign_yet(link, agreement):
    """The link's signer when the agreement names signers and this one cannot sign now (signed and
    waiting for the others, or before their turn); else None."""
    if link.purpose != LinkPurpose.SIGN_AGREEMENT or agreement.status != AgreementStatus.SENT:
        return None
    signer = signing.signer_of(link)
    if signer is not None and signer.status in (SignerStatus.SIGNED, SignerStatus.WAITING):
        return signer
    return None


def _status_page(request, link, agreement, *, status=200):
    """Where there is nothing to sign: signed, declined, withdrawn, not sent yet, ended."""
    readable = agreement.is_in_force or agreement.status == AgreementStatus.EXPIRED
    if readable or (link.purpose == LinkPurpose.VIEW_AGREEMENT and agreement.status == AgreementStatus.SENT):
        return _agreement_page(request, link, agreement, status=status)
    context = _common(
        request, link, agreement, declined=selectors.declined_signature(agreement),
        newer=selectors.newer_agreement(agreement),
    )  # fmt: skip
    return render(request, "portal/status.html", context, status=status)


def _agreement_page(request, link, agreement, *, status=200):
    signature = selectors.signed_signature(agreement)
    if signature is not None:
        # The document exactly as it was signed, not today's rendering of the version.
        document_html, toc = signature.document_html, _toc_from_html(signature.document_html)
        title = agreement.version.title
    else:
        document = signing.document_for(agreement)
        document_html, toc, title = document.html, _toc_entries(document.toc), document.title
    context = _common(
        request, link, agreement,
        signature=signature, document_html=document_html, document_title=title, toc=toc,
        coverage=selectors.coverage_summary(agreement), terms=selectors.agreement_terms(agreement),
    )  # fmt: skip
    return render(request, "portal/agreement.html", context, status=status)


def _toc_from_html(html: str) -> list[dict]:
    """Headings with ids in stored document HTML (h2/h3), for the table of contents of a signed copy."""
    rows = []
    for level, anchor, inner in re.findall(r'<h([23])[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', html or "", re.S):
        text = unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        if text:
            rows.append({"anchor": anchor, "text": text, "level": int(level) - 1})
    return rows


@require_http_methods(["GET", "HEAD"])
@portal_page
def open_link(request, link: PortalLink):
    """The page a link opens: the agreement to sign, or where things stand; a tickets link opens the
    client's tickets, an account link their invoices."""
    if link.purpose == LinkPurpose.TICKETS:
        return redirect("portal:tickets", token=request.portal_token)
    if link.purpose == LinkPurpose.ACCOUNT:
        return redirect("portal:invoices", token=request.portal_token)
    agreement = _agreement(link)
    if waiting := _nothing_to_sign_yet(link, agreement):
        return _signer_page(request, link, agreement, waiting)
    if link.purpose == LinkPurpose.SIGN_AGREEMENT and agreement.status == AgreementStatus.SENT:
        signing.record_first_view(
            link, ip=client_ip(request), user_agent=request.headers.get("User-Agent", "")
        )
        return _sign_page(request, link, agreement)
    return _status_page(request, link, agreement)


@require_POST
@portal_page
def sign(request, link: PortalLink):
    agreement = _agreement(link)
    if link.purpose != LinkPurpose.SIGN_AGREEMENT or agreement.status != AgreementStatus.SENT:
        return _status_page(request, link, agreement, status=409)
    if waiting := _nothing_to_sign_yet(link, agreement):
        return _signer_page(request, link, agreement, waiting, status=409)
    form = SignForm(request.POST, disclosure=signing.disclosure_for(agreement))
    form.is_valid()  # collects the input; the rules are the service's
    data = form.cleaned_data
    try:
        signing.sign_agreement(
            link,
            typed_name=data.get("typed_name", ""),
            consent=bool(data.get("consent")),
            intent=bool(data.get("intent")),
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            shown_sha256=data.get("document_sha256") or "",
            drawn_signature=data.get("drawn_signature") or "",
        )
    except signing.DocumentChanged as error:
        return _sign_page(request, link, agreement, form=None, notice=error.messages[0], status=409)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                form.add_error(name if name in form.fields else None, messages)
        else:
            form.add_error(None, error.messages)
        return _sign_page(request, link, agreement, form=form, status=400)
    return redirect("portal:done", token=request.portal_token)


@require_POST
@portal_page
def send_code(request, link: PortalLink):
    """Email the signer a one-time code, then back to the signing form with the box to type it."""
    agreement = _agreement(link)
    if link.purpose != LinkPurpose.SIGN_AGREEMENT or agreement.status != AgreementStatus.SENT:
        return _status_page(request, link, agreement, status=409)
    try:
        signer = signing.send_email_code(link)
    except ValidationError as error:
        return _sign_page(request, link, agreement, notice=" ".join(error.messages), status=429)
    notice = f"We've emailed a 6-digit code to {signer.email}. It works for 10 minutes."
    return _sign_page(request, link, agreement, notice=notice)


@require_POST
@portal_page
def confirm_code(request, link: PortalLink):
    """Check the code the signer typed; a right one opens the signing form."""
    agreement = _agreement(link)
    if link.purpose != LinkPurpose.SIGN_AGREEMENT or agreement.status != AgreementStatus.SENT:
        return _status_page(request, link, agreement, status=409)
    code_form = EmailCodeForm(request.POST)
    code_form.is_valid()
    try:
        signing.confirm_email_code(link, code_form.cleaned_data.get("code", ""))
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for messages in error.message_dict.values():
                code_form.add_error("code", messages)
        else:
            code_form.add_error("code", error.messages)
        return _sign_page(request, link, agreement, code_form=code_form, status=400)
    return redirect(f"{reverse('portal:open', kwargs={'token': request.portal_token})}#sign")


@require_http_methods(["GET", "HEAD", "POST"])
@portal_page
def decline(request, link: PortalLink):
    agreement = _agreement(link)
    if link.purpose != LinkPurpose.SIGN_AGREEMENT or agreement.status != AgreementStatus.SENT:
        return _status_page(request, link, agreement, status=409 if request.method == "POST" else 200)
    form = DeclineForm(request.POST or None)
    status = 200
    if request.method == "POST":
        form.is_valid()
        try:
            signing.decline_agreement(
                link,
                reason=form.cleaned_data.get("reason", ""),
                typed_name=form.cleaned_data.get("typed_name", ""),
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, messages in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, messages)
            else:
                form.add_error(None, error.messages)
            status = 400
        else:
            return redirect("portal:open", token=request.portal_token)
    return render(request, "portal/decline.html", _common(request, link, agreement, form=form), status=status)


@require_http_methods(["GET", "HEAD"])
@portal_page
def done(request, link: PortalLink):
    """The confirmation after signing, with the PDF."""
    agreement = _agreement(link)
    if waiting := _nothing_to_sign_yet(link, agreement):
        return _signer_page(request, link, agreement, waiting)
    signature = selectors.signed_signature(agreement)
    if signature is None or agreement.status == AgreementStatus.SENT:
        return redirect("portal:open", token=request.portal_token)
    return render(request, "portal/done.html", _common(request, link, agreement, signature=signature))


@require_http_methods(["GET", "HEAD"])
@portal_page
def signed_pdf(request, link: PortalLink):
    agreement = _agreement(link)
    signature = selectors.signed_signature(agreement, with_pdf=True)
    if signature is None or not signature.pdf:
        return render(
            request, "portal/status.html", _common(request, link, agreement, no_pdf=True), status=404
        )
    filename = f"agreement-{agreement.pk}-signed.pdf"
    response = HttpResponse(bytes(signature.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def fresh_link(request, token: str):
    """Email a fresh link to the contact of an expired link. The answer is the same whether or not one
    was sent, so the form tells nobody which addresses belong to a contact."""
    probing = throttles.is_probing(client_ip(request))
    if not probing.allowed:  # an address scanning tokens gets no answer about any of them
        return too_many_requests(request, probing, probing=True)
    resolved = resolve_portal_link(token)
    form = FreshLinkForm(request.POST)
    if isinstance(resolved, PortalLink):  # still valid: nothing to refresh
        return _private(redirect("portal:open", token=token))
    if resolved.reason == Refusal.UNKNOWN:
        throttles.count_bad_token(client_ip(request))
    old_link = resolved.link
    if old_link is None:
        return _private(render(request, "portal/fresh_link_sent.html", {}))
    with tenant_scope(old_link.tenant):
        if not form.is_valid():
            context = {"reason": resolved.reason.value, "token": token, "tenant": old_link.tenant,
                       "link": old_link, "form": form}  # fmt: skip
            return _private(render(request, "portal/refused.html", context, status=400))
        if resolved.reason == Refusal.EXPIRED:
            send_fresh_link(old_link=old_link, email=form.cleaned_data["email"])
        response = render(request, "portal/fresh_link_sent.html", {"tenant": old_link.tenant})
    return _private(response)
