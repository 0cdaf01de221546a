"""The portal summary of a supplement shows what it changes (its own rates, coverage, plan), not a term
of its own or the terms of the agreement it amends."""

import re

import pytest
from django.urls import reverse

from contracts import agreements
from portal.models import LinkPurpose
from tenants.scope import tenant_scope
from tests.factories import ContractVersionFactory, PortalLinkFactory

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def signed_parent(version, household):
    with tenant_scope(household.tenant):
        agreement = agreements.create_agreement(client=household, version=version, actor="owner")
        agreements.mark_sent(agreement, actor="owner")
        return agreements.mark_signed(agreement, actor="Dana Whitaker")


def supplement_sent(tenant, parent, **content):
    fields = {"coverage": [], "hourly_rate_remote": "0", "hourly_rate_onsite": "0", "billing_terms": ""}
    version = ContractVersionFactory(
        published=True, template__tenant=tenant, template__name="On-site rate 2027",
        template__kind="supplement", title="On-site rate 2027", **(fields | content),
    )  # fmt: skip
    with tenant_scope(tenant):
        supplement = agreements.create_agreement(
            client=parent.client, version=version, actor="owner", parent=parent
        )
        return agreements.mark_sent(supplement, actor="owner")


def open_page(client, supplement, signer):
    link = PortalLinkFactory(contact=signer, agreement=supplement, purpose=LinkPurpose.SIGN_AGREEMENT)
    return text(client.get(reverse("portal:open", kwargs={"token": link.token})))


def test_a_supplement_summary_shows_what_it_changes_and_no_term_of_its_own(
    client, tenant, signed_parent, signer
):
    supplement = supplement_sent(tenant, signed_parent, hourly_rate_onsite="190.00")

    page = open_page(client, supplement, signer)

    assert "What this supplement changes" in page
    assert "$190.00 an hour on site" in page
    assert "Anything not listed here stays as in your service agreement." in page
    assert "Amends your service agreement" in page
    assert "12 months" not in page
    assert "$95.00 an hour remote" not in page  # the agreement's own rate, which this does not change


def test_a_supplement_that_changes_no_rate_or_coverage_says_so(client, tenant, signed_parent, signer):
    supplement = supplement_sent(tenant, signed_parent)

    page = open_page(client, supplement, signer)

    assert "Your plan, rates and what is covered stay as in your service agreement." in page
