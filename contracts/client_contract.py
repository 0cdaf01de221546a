"""The client page's "send for signature": the next step of the client's service contract, and taking
it. Whatever the step, the agreement goes out through ``campaigns.send_agreement_for_signature`` (the
one place that emails signing links and marks agreements sent).

The step, in order of precedence:
- an unsigned service agreement is waiting (a draft, one sent, one declined): send it (again);
- the contract in force is in its notice window and renews on its own (auto-renewal, version still
  current): nothing to send;
- it is in its notice window and will not renew on its own (no auto-renewal, or the contract changed
  since): a renewal for the next term on the template's current version, sent for signature;
- a contract is in force: nothing to send;
- no contract: a new agreement on the tenant's newest published service contract, sent for signature
  (none published: nothing can be sent until one is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from clients.models import Client
from contracts import agreements
from contracts.campaigns import REUSABLE, send_agreement_for_signature
from contracts.models import Agreement, AgreementStatus, ContractVersion, TemplateKind
from contracts.selectors import current_service_agreement
from contracts.versions import current_published_version, newest_published_service_contract


class Step:
    SEND_DRAFT = "send_draft"
    RESEND = "resend"
    SEND_AGAIN = "send_again"  # after a decline
    RENEWS_ON_ITS_OWN = "renews_on_its_own"
    SEND_RENEWAL = "send_renewal"
    SIGNED = "signed"
    SEND_NEW = "send_new"
    NO_PUBLISHED_VERSION = "no_published_version"


# Steps that send something (the page shows a button for these).
SENDING_STEPS = (Step.SEND_DRAFT, Step.RESEND, Step.SEND_AGAIN, Step.SEND_RENEWAL, Step.SEND_NEW)


@dataclass(frozen=True)
class NextStep:
    step: str
    agreement: Agreement | None = None  # the agreement sent, or (renewals) the one in force
    version: ContractVersion | None = None  # what a new agreement or a renewal is made on

    @property
    def sends(self) -> bool:
        return self.step in SENDING_STEPS


def _waiting(client) -> Agreement | None:
    return (
        Agreement.objects.filter(
            tenant_id=client.tenant_id,
            client=client,
            parent__isnull=True,
            status__in=REUSABLE,
            version__template__kind=TemplateKind.SERVICE_CONTRACT,
        )
        .select_related("version__template")
        .order_by("-created_at", "-pk")
        .first()
    )


def next_contract_step(client) -> NextStep:
    """What "send for signature" does for ``client`` now (see the module's docstring)."""
    if (waiting := _waiting(client)) is not None:
        step = {
            AgreementStatus.DRAFT: Step.SEND_DRAFT,
            AgreementStatus.SENT: Step.RESEND,
            AgreementStatus.DECLINED: Step.SEND_AGAIN,
        }[AgreementStatus(waiting.status)]
        return NextStep(step, agreement=waiting, version=waiting.version)
    in_force = current_service_agreement(client)
    if in_force is not None and in_force.status == AgreementStatus.EXPIRING:
        current = current_published_version(in_force.version.template) or in_force.version
        if in_force.auto_renew and current.pk == in_force.version_id:
            return NextStep(Step.RENEWS_ON_ITS_OWN, agreement=in_force, version=current)
        return NextStep(Step.SEND_RENEWAL, agreement=in_force, version=current)
    if in_force is not None:
        return NextStep(Step.SIGNED, agreement=in_force)
    if (version := newest_published_service_contract()) is None:
        return NextStep(Step.NO_PUBLISHED_VERSION)
    return NextStep(Step.SEND_NEW, version=version)


@dataclass(frozen=True)
class Sent:
    agreement: Agreement
    emailed: int  # signers emailed (0: every email failed; the agreement's history says why)
    created: bool  # a new agreement (or renewal) was made for it


@transaction.atomic
def send_client_contract(client, *, actor: str) -> Sent:
    """Take the client's next contract step (``next_contract_step``): send the agreement waiting, or make
    the renewal or the new agreement and send it. ValidationError when there is nothing to send or
    nobody to send it to; then nothing is created. Emails and ``agreement.sent`` events as
    ``send_agreement_for_signature`` does."""
    # One step at a time per client: a double click makes one agreement, not two.
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.is_archived:
        raise ValidationError("This client is archived: restore it before sending it a contract.")
    plan = next_contract_step(client)
    created = False
    if plan.step in (Step.SEND_DRAFT, Step.RESEND, Step.SEND_AGAIN):
        agreement = plan.agreement
    elif plan.step == Step.SEND_RENEWAL:
        in_force = plan.agreement
        agreement = agreements.create_agreement(
            client=client,
            version=plan.version,
            actor=actor,
            starts_on=in_force.ends_on + timedelta(days=1) if in_force.ends_on else None,
            renewed_from=in_force,
        )
        agreements.record_history(in_force, "renewal_sent", actor=actor, renewal_id=agreement.pk)
        created = True
    elif plan.step == Step.SEND_NEW:
        agreement = agreements.create_agreement(client=client, version=plan.version, actor=actor)
        created = True
    elif plan.step == Step.NO_PUBLISHED_VERSION:
        raise ValidationError("No service contract is published yet: publish a contract template first.")
    elif plan.step == Step.RENEWS_ON_ITS_OWN:
        raise ValidationError("The contract renews on its own at the end of its term: nothing to sign.")
    else:
        raise ValidationError("The client's service contract is signed: nothing to send.")
    emailed = send_agreement_for_signature(agreement, actor=actor)
    return Sent(agreement=agreement, emailed=emailed, created=created)
