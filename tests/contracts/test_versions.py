"""Contract templates and versions: drafts are editable, publishing validates, and a published version
never changes, whatever path the write takes (pages, services, model, queryset, raw SQL)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import InternalError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from contracts import versions
from contracts.models import ContractTemplate, ContractVersion, TemplateKind, VersionStatus
from contracts.templatetags.version_diff import diff_table
from events.models import OutboxEvent
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContractTemplateFactory, ContractVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(tenant):
    return ContractTemplateFactory(tenant=tenant, name="Service Agreement")


@pytest.fixture
def draft(template):
    return ContractVersionFactory(template=template, number=2)


@pytest.fixture
def published(template):
    return ContractVersionFactory(template=template, number=1, published=True, title="Service Agreement 2026")


def fresh(version):
    with tenant_scope(version.tenant):
        return ContractVersion.objects.get(pk=version.pk)


# --- Drafts ---------------------------------------------------------------------------------------


def test_a_new_draft_is_numbered_after_the_highest_version(tenant, template, published, draft):
    with tenant_scope(tenant):
        new = versions.create_draft(template=template)

    assert (new.number, new.status) == (3, VersionStatus.DRAFT)


def test_a_new_draft_copies_the_version_it_starts_from(tenant, template, published):
    with tenant_scope(tenant):
        new = versions.create_draft(template=template, copy_from=published)

    assert new.pk != published.pk
    assert new.number == 2
    assert new.is_published is False
    assert new.published_at is None
    for name in versions.DRAFT_FIELDS:
        assert str(getattr(new, name)) == str(getattr(published, name)), name


def test_a_first_draft_starts_from_a_skeleton_with_only_known_merge_fields(tenant):
    with tenant_scope(tenant):
        template = versions.create_template(name="Managed IT agreement")
        first = versions.create_draft(template=template)

    assert first.number == 1
    assert first.title == "Managed IT agreement"
    assert "{{ client_name }}" in first.terms_markdown
    assert versions.publication_problems(first) == {
        "hourly_rate_remote": ["Set the remote hourly rate: some work is billable under this agreement."],
        "hourly_rate_onsite": ["Set the on-site hourly rate: some work is billable under this agreement."],
    }


def test_template_names_are_unique_per_tenant_whatever_the_case(tenant, template):
    with tenant_scope(tenant), pytest.raises(ValidationError) as raised:
        versions.create_template(name="  service agreement ")

    assert raised.value.message_dict == {"name": ["Another contract template already has this name."]}


def test_a_templates_kind_is_fixed_once_a_version_is_published(tenant, template, published):
    with tenant_scope(tenant):
        versions.update_template(template, name="Service Agreement 2027", description="Renamed")
        with pytest.raises(ValidationError) as raised:
            versions.update_template(template, kind="supplement")

    assert raised.value.message_dict == {"kind": ["The kind cannot change once a version is published."]}


def test_a_draft_cannot_be_copied_from_another_templates_version(tenant, template, published):
    other = ContractTemplateFactory(tenant=tenant)

    with tenant_scope(tenant), pytest.raises(ValidationError, match="same template"):
        versions.create_draft(template=other, copy_from=published)


def test_drafts_are_editable(draft):
    with tenant_scope(draft.tenant):
        versions.update_draft(draft, terms_markdown="New terms for {{ client_name }}.", notice_days=60)

    saved = fresh(draft)
    assert (saved.terms_markdown, saved.notice_days) == ("New terms for {{ client_name }}.", 60)


def test_saving_a_draft_refuses_unknown_merge_fields_and_says_which_are_known(draft):
    with tenant_scope(draft.tenant), pytest.raises(ValidationError) as raised:
        versions.update_draft(draft, terms_markdown="Dear {{ customer }}", sla_markdown="{{ sla_tabel }}")

    errors = raised.value.message_dict
    assert errors["terms_markdown"][0].startswith(
        "Unknown merge field {{ customer }}. Known fields: {{ client_name }}"
    )
    assert "{{ sla_tabel }}" in errors["sla_markdown"][0]
    assert fresh(draft).terms_markdown == draft.terms_markdown


def test_saving_a_draft_refuses_malformed_coverage_rules(draft):
    with tenant_scope(draft.tenant), pytest.raises(ValidationError) as raised:
        versions.update_draft(draft, coverage=[{"category": "plumbing", "covered": True}])

    assert raised.value.message_dict == {
        "coverage": ["Rule 1: category must be hardware, software or empty."]
    }


# --- A published version never changes ------------------------------------------------------------


def test_the_update_service_refuses_a_published_version_before_the_database_would(published):
    with tenant_scope(published.tenant), pytest.raises(ValidationError) as raised:
        versions.update_draft(published, title="Sneaky change")

    assert raised.value.code == "published"
    assert "is published and can no longer be changed" in raised.value.messages[0]
    assert fresh(published).title == "Service Agreement 2026"


def test_the_update_service_refuses_a_draft_that_was_published_meanwhile(draft):
    stale = fresh(draft)
    with tenant_scope(draft.tenant):
        versions.publish_version(draft)

    with tenant_scope(draft.tenant), pytest.raises(ValidationError, match="is published"):
        versions.update_draft(stale, title="Too late")


def _refused_by_the_database(version, write):
    with tenant_scope(version.tenant), pytest.raises(InternalError, match="pgtrigger"), transaction.atomic():
        write()
    assert fresh(version).title == "Service Agreement 2026"


def test_the_database_refuses_a_model_save_of_a_published_version(published):
    published.title = "Changed by save()"
    _refused_by_the_database(published, published.save)


def test_the_database_refuses_a_queryset_update_of_a_published_version(published):
    _refused_by_the_database(
        published, lambda: ContractVersion.objects.filter(pk=published.pk).update(title="Changed by update()")
    )


def test_the_database_refuses_to_delete_a_published_version(published):
    _refused_by_the_database(published, published.delete)


def test_the_database_refuses_raw_sql_updates_and_deletes_of_a_published_version(published):
    table = ContractVersion._meta.db_table

    def raw(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [published.pk])

    _refused_by_the_database(published, lambda: raw(f"UPDATE {table} SET status = 'draft' WHERE id = %s"))
    _refused_by_the_database(published, lambda: raw(f"DELETE FROM {table} WHERE id = %s"))


def test_the_database_lets_drafts_change_and_go(draft):
    with tenant_scope(draft.tenant):
        ContractVersion.objects.filter(pk=draft.pk).update(title="Still a draft")
        draft.refresh_from_db()
        assert draft.title == "Still a draft"
        draft.delete()
        assert not ContractVersion.objects.filter(pk=draft.pk).exists()


# --- Publishing -----------------------------------------------------------------------------------


@time_machine.travel("2026-03-04 21:40Z")
def test_publishing_records_who_and_when_and_an_outbox_event(draft, owner):
    with tenant_scope(draft.tenant):
        published = versions.publish_version(draft, by=owner)
        event = OutboxEvent.objects.get(name="contract_version.published")

    assert published.is_published
    assert published.published_at.isoformat() == "2026-03-04T21:40:00+00:00"
    assert published.published_by == owner
    assert fresh(draft).status == VersionStatus.PUBLISHED
    assert event.payload["version_id"] == draft.pk
    assert event.payload["number"] == 2
    assert event.payload["published_by"] == owner.email


def test_publishing_refuses_unknown_merge_fields(draft):
    with tenant_scope(draft.tenant):  # written around the save-time check, as an older draft might be
        ContractVersion.objects.filter(pk=draft.pk).update(terms_markdown="Hello {{ nickname }}")
        with pytest.raises(ValidationError) as raised:
            versions.publish_version(fresh(draft))

    assert "Unknown merge field {{ nickname }}" in raised.value.message_dict["terms_markdown"][0]
    assert fresh(draft).status == VersionStatus.DRAFT


def test_publishing_refuses_malformed_coverage_rules(draft):
    with tenant_scope(draft.tenant):
        ContractVersion.objects.filter(pk=draft.pk).update(coverage=[{"work_type": "repair"}])
        with pytest.raises(ValidationError) as raised:
            versions.publish_version(fresh(draft))

    assert raised.value.message_dict["coverage"] == ["Rule 1 needs 'covered': true or false."]


def test_publishing_needs_rates_when_some_work_is_billable(draft):
    with tenant_scope(draft.tenant):
        versions.update_draft(draft, hourly_rate_remote=Decimal("0"))
        with pytest.raises(ValidationError) as raised:
            versions.publish_version(draft)

    assert list(raised.value.message_dict) == ["hourly_rate_remote"]


def test_an_all_inclusive_agreement_may_be_published_without_rates(draft):
    with tenant_scope(draft.tenant):
        draft = versions.update_draft(
            draft,
            coverage=[{"category": "", "work_type": "", "covered": True, "note": "All-inclusive"}],
            hourly_rate_remote=Decimal("0"),
            hourly_rate_onsite=Decimal("0"),
        )
        assert versions.publish_version(draft).is_published


def test_a_version_is_published_once(published):
    with tenant_scope(published.tenant), pytest.raises(ValidationError, match="already published"):
        versions.publish_version(published)


def test_the_current_published_version_is_the_highest_published_number(tenant, template, published, draft):
    with tenant_scope(tenant):
        assert versions.current_published_version(template) == published
        newer = versions.publish_version(draft)
        versions.create_draft(template=template, copy_from=newer)
        assert versions.current_published_version(template) == newer
        assert versions.current_published_version(ContractTemplateFactory(tenant=tenant)) is None


def test_only_published_versions_can_be_offered_and_a_templates_current_one_comes_first(
    tenant, template, published, draft
):
    with tenant_scope(tenant):
        other = ContractVersionFactory(template=ContractTemplateFactory(tenant=tenant), published=True)
        assert set(versions.published_versions()) == {published, other}
        newer = versions.publish_version(draft)
        assert list(versions.published_versions_of(template)) == [newer, published]


def test_templates_list_their_current_published_version_in_one_query(tenant, template, published, draft):
    with tenant_scope(tenant):
        current = versions.published_versions_of(OuterRef("pk")).values("number")[:1]
        rows = ContractTemplate.objects.annotate(current_number=Subquery(current))
        assert {row.name: row.current_number for row in rows} == {"Service Agreement": 1}


def test_new_agreements_offer_the_service_contract_published_last(tenant, template, published):
    later = published.published_at + timedelta(days=1)
    with tenant_scope(tenant):
        newer_template = ContractTemplateFactory(tenant=tenant, name="Service Agreement 2027")
        newest = ContractVersionFactory(template=newer_template, published=True, published_at=later)
        ContractVersionFactory(
            template=ContractTemplateFactory(tenant=tenant, kind=TemplateKind.SUPPLEMENT),
            published=True,
            published_at=later + timedelta(hours=1),
        )
        assert versions.newest_published_service_contract() == newest


# --- Differences ----------------------------------------------------------------------------------


def test_the_diff_shows_changed_lines_and_settings_only(tenant, template, published):
    with tenant_scope(tenant):
        new = versions.create_draft(template=template, copy_from=published)
        new = versions.update_draft(
            new,
            terms_markdown=published.terms_markdown.replace(
                "We look after your systems.", "We look after <all>."
            ),
            notice_days=60,
        )
        diff = versions.diff_versions(published, new)

    assert [change.name for change in diff.changes] == ["notice_days", "terms_markdown"]
    notice = diff.setting_changes[0]
    assert (notice.before, notice.after) == ("30", "60")
    terms = diff.text_changes[0]
    assert (terms.added, terms.removed) == (1, 1)
    table = diff_table(terms)
    assert 'class="diff-line diff-del table-danger"' in table
    assert 'class="diff-line diff-ins table-success"' in table
    assert '<del class="diff-word fw-semibold">your systems.</del>' in table
    assert '<ins class="diff-word fw-semibold">&lt;all&gt;.</ins>' in table
    assert "style=" not in table


def test_the_diff_of_coverage_lists_rules_as_lines(tenant, template, published):
    with tenant_scope(tenant):
        new = versions.create_draft(
            template=template,
            copy_from=published,
            coverage=[{"category": "", "work_type": "remote_support", "covered": False, "note": ""}],
        )
        diff = versions.diff_versions(published, new)

    coverage = next(change for change in diff.changes if change.name == "coverage")
    table = diff_table(coverage)
    assert '1. Remote support: <del class="diff-word fw-semibold">covered (Remote triage)</del>' in table
    assert '1. Remote support: <ins class="diff-word fw-semibold">billable</ins>' in table
    assert "<del>2. New installation: billable (Quoted separately)</del>" in table
    assert (coverage.added, coverage.removed) == (1, 2)


def test_identical_versions_have_no_differences(tenant, template, published):
    with tenant_scope(tenant):
        copy = versions.create_draft(template=template, copy_from=published)
        assert versions.diff_versions(published, copy).has_changes is False


# --- Staff pages ----------------------------------------------------------------------------------


def test_the_template_list_shows_the_current_version_and_the_draft(staff_client, template, published, draft):
    page = staff_client.get(reverse("contracts:template_list")).content.decode()

    assert "Service Agreement" in page
    assert reverse("contracts:version_detail", args=[published.pk]) in page
    assert reverse("contracts:version_detail", args=[draft.pk]) in page


def test_the_template_list_says_what_to_do_when_empty(staff_client):
    page = staff_client.get(reverse("contracts:template_list")).content.decode()

    assert "No contract templates yet." in page
    assert reverse("contracts:template_create") in page


def test_creating_a_template_opens_the_editor_of_its_first_draft(staff_client, tenant):
    response = staff_client.post(
        reverse("contracts:template_create"), {"name": "Home Tech Agreement", "kind": "service_contract"}
    )

    with tenant_scope(tenant):
        draft = ContractVersion.objects.get(template__name="Home Tech Agreement")
    assert response.status_code == 302
    assert response.url == reverse("contracts:version_update", args=[draft.pk])
    assert staff_client.get(response.url).status_code == 200


def test_the_edit_page_of_a_published_version_is_a_message_not_a_form(staff_client, published):
    response = staff_client.get(reverse("contracts:version_update", args=[published.pk]))
    page = response.content.decode()

    assert response.status_code == 409
    assert "Version 1 is published" in page
    assert "<textarea" not in page
    assert f'action="{reverse("contracts:version_update", args=[published.pk])}"' not in page
    assert "New draft from version 1" in page


def test_posting_an_edit_of_a_published_version_changes_nothing(staff_client, published):
    response = staff_client.post(
        reverse("contracts:version_update", args=[published.pk]),
        {"title": "Changed", "terms_markdown": "Changed", "term_months": 1, "notice_days": 1},
    )

    assert response.status_code == 409
    assert fresh(published).title == "Service Agreement 2026"


def test_a_published_version_shows_read_only_without_an_edit_link(staff_client, published):
    page = staff_client.get(reverse("contracts:version_detail", args=[published.pk])).content.decode()

    assert "Published · read-only" in page
    assert reverse("contracts:version_update", args=[published.pk]) not in page
    assert reverse("contracts:version_publish", args=[published.pk]) not in page


def test_choosing_a_client_and_tier_re_renders_just_the_document(staff_client, tenant, published):
    client = ClientFactory(tenant=tenant, name="Harbor View Residence")

    response = staff_client.get(
        reverse("contracts:version_detail", args=[published.pk]), {"client": client.pk, "tier": ""},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    page = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in page
    assert "Harbor View Residence" in page
    assert "SHA-256 of this rendering" in page


def test_publishing_a_published_version_again_answers_with_a_message(staff_client, published):
    url = reverse("contracts:version_publish", args=[published.pk])
    assert staff_client.get(url).status_code == 409
    assert staff_client.post(url, {"confirm": "yes"}).status_code == 409


def edit_data(version, **overrides):
    data = {
        "title": version.title,
        "terms_markdown": version.terms_markdown,
        "sla_markdown": version.sla_markdown,
        "hourly_rate_remote": "120.00",
        "hourly_rate_onsite": "160.00",
        "after_hours_multiplier": "1.50",
        "billing_terms": "Due in 30 days.",
        "term_months": "24",
        "auto_renew": "on",
        "notice_days": "60",
        "coverage-TOTAL_FORMS": "3",
        "coverage-INITIAL_FORMS": "2",
        "coverage-MIN_NUM_FORMS": "0",
        "coverage-MAX_NUM_FORMS": "1000",
        "coverage-0-ORDER": "2",
        "coverage-0-category": "",
        "coverage-0-work_type": "remote_support",
        "coverage-0-covered": "covered",
        "coverage-0-note": "Remote triage",
        "coverage-1-ORDER": "3",
        "coverage-1-category": "",
        "coverage-1-work_type": "installation",
        "coverage-1-covered": "billable",
        "coverage-1-note": "Quoted separately",
        "coverage-1-DELETE": "on",
        "coverage-2-ORDER": "1",
        "coverage-2-category": "hardware",
        "coverage-2-work_type": "repair",
        "coverage-2-covered": "covered",
        "coverage-2-note": "Warranty labour",
    }
    data.update(overrides)
    return data


def test_saving_a_draft_from_its_page_keeps_text_settings_and_ordered_coverage(staff_client, draft):
    response = staff_client.post(reverse("contracts:version_update", args=[draft.pk]), edit_data(draft))

    assert response.status_code == 302
    saved = fresh(draft)
    assert (saved.term_months, saved.notice_days, saved.billing_terms) == (24, 60, "Due in 30 days.")
    assert saved.coverage == [
        {"category": "hardware", "work_type": "repair", "covered": True, "note": "Warranty labour"},
        {"category": "", "work_type": "remote_support", "covered": True, "note": "Remote triage"},
    ]


def test_an_unknown_merge_field_is_shown_on_the_field_and_nothing_is_saved(staff_client, draft):
    response = staff_client.post(
        reverse("contracts:version_update", args=[draft.pk]),
        edit_data(draft, terms_markdown="Dear {{ customer_name }}"),
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "Unknown merge field {{ customer_name }}" in page
    assert "Dear {{ customer_name }}" in page  # what was typed is kept
    assert fresh(draft).terms_markdown == draft.terms_markdown


def test_the_live_preview_renders_unsaved_text_and_writes_nothing(staff_client, draft):
    response = staff_client.post(
        reverse("contracts:version_preview", args=[draft.pk]),
        edit_data(draft, terms_markdown="# Fresh heading\n\nFor {{ client_name }}."),
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "Fresh heading" in page
    assert "For [Client name]." in page
    assert "<html" not in page  # a fragment for htmx
    assert fresh(draft).terms_markdown == draft.terms_markdown


def test_publishing_from_the_page_needs_the_confirmation(staff_client, draft, owner):
    url = reverse("contracts:version_publish", args=[draft.pk])

    assert "can never be changed" in staff_client.get(url).content.decode()
    refused = staff_client.post(url, {})
    assert "Tick the box" in refused.content.decode()
    assert fresh(draft).status == VersionStatus.DRAFT

    response = staff_client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert fresh(draft).is_published
    assert fresh(draft).published_by == owner


def test_a_new_draft_from_a_published_version_opens_its_editor(staff_client, template, published):
    response = staff_client.post(
        reverse("contracts:version_create", args=[template.pk]), {"from": published.pk}
    )

    with tenant_scope(template.tenant):
        new = ContractVersion.objects.get(template=template, number=2)
    assert response.url == reverse("contracts:version_update", args=[new.pk])
    assert new.terms_markdown == published.terms_markdown


def test_the_compare_page_shows_what_changed(staff_client, tenant, template, published):
    with tenant_scope(tenant):
        new = versions.create_draft(template=template, copy_from=published, notice_days=90)

    page = staff_client.get(
        reverse("contracts:template_compare", args=[template.pk]), {"a": published.pk, "b": new.pk}
    ).content.decode()

    assert "Notice to stop renewal (days)" in page
    assert '<del class="diff-del">30</del>' in page
    assert '<ins class="diff-ins">90</ins>' in page


def test_staff_who_may_only_look_can_read_but_not_write(client, login_as, tenant, template, published, draft):
    login_as(tenant, Role.TECHNICIAN)

    assert client.get(reverse("contracts:template_list")).status_code == 200
    assert client.get(reverse("contracts:version_detail", args=[published.pk])).status_code == 200
    assert client.get(reverse("contracts:version_update", args=[draft.pk])).status_code == 403
    assert (
        client.post(reverse("contracts:version_publish", args=[draft.pk]), {"confirm": "yes"}).status_code
        == 403
    )
    assert client.post(reverse("contracts:version_create", args=[template.pk])).status_code == 403
    assert fresh(draft).status == VersionStatus.DRAFT


def test_the_pages_have_no_inline_scripts_styles_or_handlers(
    staff_client, tenant, template, published, draft
):
    urls = [
        reverse("contracts:template_list"),
        reverse("contracts:template_create"),
        reverse("contracts:template_detail", args=[template.pk]),
        reverse("contracts:template_update", args=[template.pk]),
        reverse("contracts:template_compare", args=[template.pk]),
        reverse("contracts:version_detail", args=[published.pk]) + "?tier=&client=",
        reverse("contracts:version_update", args=[draft.pk]),
        reverse("contracts:version_update", args=[published.pk]),
        reverse("contracts:version_publish", args=[draft.pk]),
    ]
    for url in urls:
        response = staff_client.get(url)
        html = response.content.decode()
        assert response.status_code in (200, 409), url
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script, f"inline script on {url}"
        assert not re.search(r"\sstyle=\"", html), f"inline style on {url}"
        assert not re.search(r"\son[a-z]+=\"", html), f"inline event handler on {url}"
        assert not re.search(r"(src|href)=\"https?://", html), f"outside asset on {url}"


def test_templates_of_another_tenant_are_not_listed(staff_client, other_tenant):
    ContractTemplateFactory(tenant=other_tenant, name="Rival Agreement")

    assert "Rival Agreement" not in staff_client.get(reverse("contracts:template_list")).content.decode()
    with tenant_scope(other_tenant):
        assert ContractTemplate.objects.filter(name="Rival Agreement").exists()


# --- Line endings -----------------------------------------------------------------------------------


def test_text_saved_from_a_browser_keeps_only_newlines(staff_client, draft):
    windows = "# Scope\r\n\r\nWe look after your systems.\r\nOld Macs end lines\rlike this."
    response = staff_client.post(
        reverse("contracts:version_update", args=[draft.pk]),
        edit_data(
            draft,
            terms_markdown=windows,
            sla_markdown="{{ sla_table }}\r\nAfter",
            billing_terms="Due\r\nsoon",
        ),
    )

    assert response.status_code == 302
    saved = fresh(draft)
    assert saved.terms_markdown == "# Scope\n\nWe look after your systems.\nOld Macs end lines\nlike this."
    assert (saved.sla_markdown, saved.billing_terms) == ("{{ sla_table }}\nAfter", "Due\nsoon")


def test_the_services_keep_only_newlines_too(tenant, template, draft):
    with tenant_scope(tenant):
        new = versions.create_draft(template=template, terms_markdown="A\r\nB", billing_terms="C\r\n")
        changed = versions.update_draft(draft, sla_markdown="{{ sla_table }}\r\nAfter hours\r\n")
        renamed = versions.update_template(template, description="For\r\nhomes")

    assert (new.terms_markdown, new.billing_terms) == ("A\nB", "C\n")
    assert changed.sla_markdown == "{{ sla_table }}\nAfter hours\n"
    assert renamed.description == "For\nhomes"


def test_the_diff_ignores_differences_of_line_endings_only(tenant, template):
    with tenant_scope(tenant):
        old = ContractVersionFactory(
            template=template, number=5, published=True, sla_markdown="{{ sla_table }}\r\nAfter hours.\r\n"
        )
        new = ContractVersionFactory(  # as saved from a browser before line endings were normalised
            template=template, number=6, sla_markdown="{{ sla_table }}\nAfter hours.\n",
            terms_markdown=old.terms_markdown + "\n\nOne more line.",
        )  # fmt: skip
        diff = versions.diff_versions(old, new)

    assert [change.name for change in diff.changes] == ["terms_markdown"]


def test_the_migration_normalises_drafts_and_leaves_published_versions_as_published(tenant, template):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("contracts.migrations.0008_drafts_keep_only_newlines")
    published = ContractVersionFactory(template=template, number=7, published=True, terms_markdown="P\r\nQ")
    draft = ContractVersionFactory(template=template, number=8)
    with tenant_scope(tenant):
        ContractVersion.objects.filter(pk=draft.pk).update(
            terms_markdown="A\r\nB", sla_markdown="{{ sla_table }}\r\n", billing_terms="C\rD"
        )

    with tenant_scope(tenant):  # RLS shows this tenant's rows; the migration itself runs as the owner
        migration.drafts_keep_only_newlines(apps, None)

    saved = fresh(draft)
    assert (saved.terms_markdown, saved.sla_markdown) == ("A\nB", "{{ sla_table }}\n")
    assert saved.billing_terms == "C\nD"
    assert fresh(published).terms_markdown == "P\r\nQ"
