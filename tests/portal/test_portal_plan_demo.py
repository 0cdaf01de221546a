"""The demo companies can take upgrades from the portal: seed_contracts publishes a "Membership change"
supplement, once, and it is the one the plan page sends."""

import pytest

from contracts.demo import MEMBERSHIP_CHANGE, seed_contracts
from contracts.models import ContractTemplate, TemplateKind
from portal.plan import change_supplement
from tenants.scope import tenant_scope

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_the_membership_change_supplement_once(tenant):
    lines = []
    seed_contracts(tenant, progress=lines.append)
    seed_contracts(tenant, progress=lines.append)
    assert "Membership change" in lines[0]
    assert lines[1].endswith("contract templates already there.")
    with tenant_scope(tenant):
        template = ContractTemplate.objects.get(name=MEMBERSHIP_CHANGE)
        version = change_supplement()
        assert template.kind == TemplateKind.SUPPLEMENT
        assert template.versions.count() == 1
    assert (version.template_id, version.number, version.status) == (template.pk, 1, "published")
    assert "{{ tier }}" in version.terms_markdown
