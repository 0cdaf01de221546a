from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from clients.models import Client
from contracts import agreements
from contracts.models import AgreementStatus, ClientStanding, ContractTemplate, ContractVersion
from contracts.selectors import contract_terms
from events.models import OutboxEvent
from tenants.scope import tenant_scope
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(tenant):
    with tenant_scope(tenant):
        template = ContractTemplate.objects.create(tenant=tenant, name="Service Agreement")
        return ContractVersion.objects.create(
            tenant=tenant, template=template, number=1, title="Service Agreement", terms_markdown="Terms",
            status="published", term_months=12,
        )  # fmt: skip


@pytest.fixture
def client_row(tenant) -> Client:
    return ClientFactory(tenant=tenant)


def test_term_end_is_the_day_before_the_same_date_next_term():
    assert agreements.term_end(date(2026, 1, 1), 12) == date(2026, 12, 31)
    assert agreements.term_end(date(2026, 1, 31), 1) == date(2026, 2, 27)
    assert agreements.term_end(date(2024, 2, 29), 12) == date(2025, 2, 27)


@time_machine.travel("2026-03-10 15:00Z")
def test_signing_starts_the_term_today_activates_it_and_records_history_and_events(
    tenant, version, client_row
):
    with tenant_scope(tenant):
        agreement = agreements.create_agreement(client=client_row, version=version, actor="owner@x")
        agreements.mark_sent(agreement, actor="owner@x", to="a@b.c")
        agreement = agreements.mark_signed(agreement, actor="Pat Signer")
        assert (agreement.status, agreement.starts_on, agreement.ends_on) == (
            AgreementStatus.ACTIVE,
            date(2026, 3, 10),
            date(2027, 3, 9),
        )
        kinds = list(agreement.history.values_list("kind", flat=True))
        assert kinds == ["created", "sent", "signed", "activated"]
        names = set(OutboxEvent.objects.values_list("name", flat=True))
        assert {"agreement.sent", "agreement.signed"} <= names
        assert contract_terms(client_row).has_signed_contract


def test_a_declined_agreement_keeps_the_reason_and_can_be_sent_again(tenant, version, client_row):
    with tenant_scope(tenant):
        agreement = agreements.create_agreement(client=client_row, version=version, actor="owner@x")
        agreements.mark_sent(agreement, actor="owner@x")
        with pytest.raises(ValidationError):
            agreements.decline(agreement, actor="Pat", reason="  ")
        agreement = agreements.decline(agreement, actor="Pat", reason="Rates too high")
        assert agreement.declined_reason == "Rates too high"
        assert OutboxEvent.objects.filter(name="agreement.declined").exists()
        assert agreements.mark_sent(agreement, actor="owner@x").status == AgreementStatus.SENT


def test_impossible_transitions_are_refused_with_a_plain_message(tenant, version, client_row):
    with tenant_scope(tenant):
        agreement = agreements.create_agreement(client=client_row, version=version, actor="owner@x")
        with pytest.raises(ValidationError, match="draft cannot become signed"):
            agreements.mark_signed(agreement, actor="Pat")


def test_only_published_versions_are_offered(tenant, client_row):
    with tenant_scope(tenant):
        template = ContractTemplate.objects.create(tenant=tenant, name="Draft only")
        draft = ContractVersion.objects.create(
            tenant=tenant, template=template, number=1, title="t", terms_markdown="x"
        )
        with pytest.raises(ValidationError, match="published"):
            agreements.create_agreement(client=client_row, version=draft, actor="owner@x")


def test_signing_lifts_basic_triage(tenant, version, client_row):
    with tenant_scope(tenant):
        ClientStanding.objects.create(tenant=tenant, client=client_row, basic_triage_only=True)
        assert contract_terms(client_row).basic_triage_only
        agreement = agreements.create_agreement(client=client_row, version=version, actor="owner@x")
        agreements.mark_sent(agreement, actor="owner@x")
        agreements.mark_signed(agreement, actor="Pat")
        terms = contract_terms(client_row)
        assert (terms.has_signed_contract, terms.basic_triage_only) == (True, False)
