"""contracts.documents: merge fields, Markdown to safe HTML, the SLA and coverage tables, the full
document and its hash."""

import hashlib
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe

from contracts import documents
from contracts.documents import (
    MERGE_FIELDS,
    document_sha256,
    render_markdown,
    render_version,
    validate_merge_fields,
)
from service_levels import services
from service_levels.models import Metric, PolicyKind
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContractTemplateFactory, ContractVersionFactory

H = 60


@pytest.fixture
def sla_config(tenant):
    """A 24/7 and an office-hours calendar; standard, Gold and a Premium Response rider."""
    with tenant_scope(tenant):
        always = services.create_calendar(
            name="24/7", timezone="UTC", weekly_hours=services.PRESETS["always_open"]
        )
        office = services.create_calendar(
            name="Office", timezone="America/New_York", weekly_hours=services.PRESETS["office_hours"]
        )
        standard = services.create_policy(name="Standard contract", kind=PolicyKind.STANDARD)
        services.set_targets(
            standard,
            {("P1", Metric.FIRST_RESPONSE): (1 * H, always), ("P1", Metric.ONSITE): (16 * H, office),
             ("P1", Metric.RESOLUTION): (24 * H, office), ("P2", Metric.FIRST_RESPONSE): (4 * H, office)},
        )  # fmt: skip
        gold = services.create_policy(name="Gold", kind=PolicyKind.TIER, key="gold")
        services.set_targets(
            gold,
            {("P1", Metric.FIRST_RESPONSE): (30, always), ("P1", Metric.ONSITE): (4 * H, office),
             ("P1", Metric.RESOLUTION): (90, office)},
        )  # fmt: skip
        rider = services.create_policy(name="Premium Response", kind=PolicyKind.RIDER, key="premium-response")
        services.set_targets(rider, {("P1", Metric.FIRST_RESPONSE): (10, always)})
    return {"always": always, "office": office}


@pytest.fixture
def version(tenant):
    return ContractVersionFactory(
        template=ContractTemplateFactory(tenant=tenant, name="Service Agreement"),
        title="Service Agreement",
        terms_markdown=(
            "Between {{ tenant_name }} and {{ client_name }} on the {{ tier }} plan, dated {{ today }}.\n\n"
            "# Scope\n\nRemote work costs {{ hourly_rate_remote }}, on site {{ hourly_rate_onsite }}.\n\n"
            "{{ coverage_table }}\n\n"
            "The term is {{ term_months }} months; give {{ notice_days }} days' notice."
        ),
        sla_markdown="Our targets:\n\n{{ sla_table }}",
        hourly_rate_remote=Decimal("120.00"),
        hourly_rate_onsite=Decimal("165.50"),
        notice_days=45,
    )


def render(version, tenant, **kwargs):
    with tenant_scope(tenant):
        return render_version(version, tenant=tenant, **kwargs)


# --- Merge fields ---------------------------------------------------------------------------------


def test_merge_fields_are_substituted_in_the_document(db, tenant, sla_config, version):
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")

    html = render(version, tenant, client=client, tier="gold", today=date(2026, 3, 9)).html

    assert f"Between {tenant.name} and Whitaker Residence on the Gold plan, dated 9 March 2026." in html
    assert "Remote work costs $120.00, on site $165.50." in html
    assert "The term is 12 months; give 45 days' notice." in html
    assert "{{" not in html


def test_without_a_client_the_document_names_a_sample_and_the_standard_plan(db, tenant, sla_config, version):
    html = render(version, tenant, today=date(2026, 3, 9)).html

    assert "and [Client name] on the Standard (no paid plan) plan" in html


def test_merge_fields_may_be_written_without_spaces():
    assert render_markdown("Dear {{client_name}}", {"client_name": "Ada"}) == "<p>Dear Ada</p>"


def test_text_values_are_printed_as_typed_never_as_markup():
    html = render_markdown("Client: {{ client_name }}", {"client_name": "<b>Smith</b> & *Sons* [x](y)"})

    assert html == "<p>Client: &lt;b&gt;Smith&lt;/b&gt; &amp; *Sons* [x](y)</p>"


def test_unknown_merge_fields_are_a_validation_error_listing_the_known_ones():
    with pytest.raises(ValidationError) as raised:
        validate_merge_fields("Hello {{ client_name }}, your {{ plan }} and {{ client name }}.")

    message = raised.value.messages[0]
    assert message.startswith("Unknown merge fields {{ plan }}, {{ client name }}.")
    for name in MERGE_FIELDS:
        assert f"{{{{ {name} }}}}" in message


def test_known_merge_fields_validate():
    validate_merge_fields(" ".join(f"{{{{ {name} }}}}" for name in MERGE_FIELDS))


def test_an_unknown_field_in_an_unsaved_draft_stays_visible_rather_than_vanishing():
    assert render_markdown("Hi {{ nickname }}", {}) == "<p>Hi {{ nickname }}</p>"


def test_user_text_is_not_run_through_the_django_template_engine():
    html = render_markdown(
        "{% now 'Y' %} {{ client_name|upper }} {% include 'base.html' %}", {"client_name": "x"}
    )

    assert html == "<p>{% now 'Y' %} {{ client_name|upper }} {% include 'base.html' %}</p>"


# --- Markdown and sanitising ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("Hello <script>alert('x')</script>", "<script"),
        ("Hello <script>alert('x')</script>", "alert("),
        ('<p onclick="steal()">Click</p>', "onclick"),
        ('<img src="x" onerror="steal()">', "onerror"),
        ("[Pay here](javascript:steal())", "javascript:"),
        ('<a href="javascript:steal()">Pay</a>', "javascript:"),
        ('<span style="position:fixed">Cover</span>', "style="),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<form action="https://evil.example"><input name="card"></form>', "<input"),
        ("<style>body { display: none }</style>", "display: none"),
        ('<h2 id="main">Clobbers the page</h2>', 'id="main"'),
    ],
)
def test_html_in_markdown_is_sanitised(markdown, forbidden):
    assert forbidden not in render_markdown(markdown, {})


def test_links_keep_their_address_and_open_safely():
    html = render_markdown("See [our site](https://northwind.example/terms).", {})

    assert 'href="https://northwind.example/terms"' in html
    assert 'rel="noopener noreferrer"' in html


def test_markdown_tables_lists_emphasis_and_headings_survive():
    html = render_markdown("# Scope\n\n- **one**\n- *two*\n\n| A | B |\n|:--|--:|\n| 1 | 2 |", {})

    assert '<h1 id="md-scope" class="h4">Scope</h1>' in html
    assert "<li><strong>one</strong></li>" in html
    assert "<em>two</em>" in html
    assert '<td align="left">1</td>' in html  # alignment as an attribute: no style="" under our CSP


def test_headings_get_ids_for_the_table_of_contents():
    rendered = documents.render_markdown_with_toc(
        "# Scope\n\n## Remote work\n\n# Scope", {}, id_prefix="terms-"
    )

    assert [(entry.level, entry.id, entry.title) for entry in rendered.toc] == [
        (1, "terms-scope", "Scope"),
        (2, "terms-remote-work", "Remote work"),
        (1, "terms-scope_1", "Scope"),
    ]


# --- Tables ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "business", "words"),
    [
        (15, False, "15 minutes"),
        (1, True, "1 business minute"),
        (60, True, "1 business hour"),
        (90, False, "1 hour 30 minutes"),
        (4 * H, True, "4 business hours"),
        (48 * H, False, "2 days"),
        (48 * H, True, "48 business hours"),
    ],
)
def test_durations_read_as_words(minutes, business, words):
    assert documents.duration_in_words(timedelta(minutes=minutes), business=business) == words


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_sla_table_gives_each_priority_and_metric_in_words(db, tenant, sla_config):
    with tenant_scope(tenant):
        table = documents.sla_table_html(documents.effective_sla_by_priority(tier="gold"))

    text = text_of(table)
    assert (
        "P1 · Critical 30 minutes (24/7) 4 business hours (Office) 1 business hour 30 minutes (Office)"
        in text
    )
    assert "P4 · Low no target no target no target" in text
    assert "Targets per priority: Gold" in text


def test_a_target_reads_as_its_duration_and_calendar(db, tenant, sla_config):
    with tenant_scope(tenant):
        slas = documents.effective_sla_by_priority()

    assert documents.target_in_words(slas["P2"].targets["first_response"]) == "4 business hours (Office)"


def test_riders_tighten_the_sla_table(db, tenant, sla_config):
    with tenant_scope(tenant):
        table = documents.sla_table_html(
            documents.effective_sla_by_priority(tier="gold", riders=["premium-response"])
        )

    assert "P1 · Critical 10 minutes (24/7)" in text_of(table)
    assert "Gold + Premium Response" in table


def test_the_coverage_table_lists_rules_in_order_then_the_billable_rest(db, tenant):
    version = ContractVersionFactory(
        template=ContractTemplateFactory(tenant=tenant),
        coverage=[
            {"category": "hardware", "work_type": "repair", "covered": True, "note": "Under <warranty>"},
            {"category": "software", "work_type": "", "covered": False, "note": ""},
        ],
    )

    table = documents.coverage_table_html(version)

    assert table.index("Repair (hardware)") < table.index("All software work") < table.index("All other work")
    assert "Under &lt;warranty&gt;" in table
    assert "At the hourly rates: $120.00 remote, $160.00 on-site." in table


# --- The document ---------------------------------------------------------------------------------


def test_the_document_has_every_part_in_order(db, tenant, sla_config, version):
    document = render(version, tenant, today=date(2026, 3, 9))

    titles = [entry.title for entry in document.toc if entry.level == 2]
    assert titles == [
        "1. Terms of service",
        "2. Service level agreement",
        "3. Rates for work that is not covered",  # coverage is in the terms already: no own section
        "4. Billing terms",
        "5. Term, renewal and notice",
    ]
    assert ("terms-scope", "Scope") in [(entry.id, entry.title) for entry in document.toc]
    for entry in document.toc:
        assert f'id="{entry.id}"' in document.html
    assert (
        "renews automatically for another 12 months, unless either party gives written notice"
        in document.html
    )
    assert "at least 45 days before the term ends" in document.html
    assert document.html.count("<table") == 3  # coverage, SLA, rates


def test_tables_the_author_left_out_are_added_in_their_own_sections(db, tenant, sla_config):
    version = ContractVersionFactory(
        template=ContractTemplateFactory(tenant=tenant), terms_markdown="Plain terms.", sla_markdown=""
    )

    document = render(version, tenant)

    assert [entry.id for entry in document.toc if entry.level == 2] == [
        "doc-terms", "doc-sla", "doc-coverage", "doc-rates", "doc-billing", "doc-term",
    ]  # fmt: skip
    assert "sla-table" in document.html
    assert "coverage-table" in document.html


def test_a_supplement_leaves_out_coverage_and_rates_it_does_not_set(db, tenant, sla_config):
    version = ContractVersionFactory(
        template=ContractTemplateFactory(tenant=tenant, kind="supplement"),
        coverage=[],
        hourly_rate_remote=0,
        hourly_rate_onsite=0,
        billing_terms="",
    )

    document = render(version, tenant)

    assert [entry.title for entry in document.toc if entry.level == 2] == [
        "1. Terms", "2. Service level agreement", "3. Term, renewal and notice",
    ]  # fmt: skip
    assert "forms part of the service agreement" in document.html


def test_the_document_hash_is_the_sha256_of_exactly_the_html(db, tenant, sla_config, version):
    document = render(version, tenant, today=date(2026, 3, 9))

    assert document.sha256 == document_sha256(document.html)
    assert document.sha256 == hashlib.sha256(document.html.encode("utf-8")).hexdigest()


def test_the_same_inputs_render_the_same_bytes(db, tenant, sla_config, version):
    client = ClientFactory(tenant=tenant)

    with time_machine.travel("2026-03-09 09:00Z"):
        first = render(version, tenant, client=client, tier="gold", riders=["premium-response"])
    with time_machine.travel("2026-03-09 17:30Z"):  # later the same day: no clock value goes in
        second = render(version, tenant, client=client, tier="gold", riders=["premium-response"])

    assert first.html == second.html
    assert first.sha256 == second.sha256


def test_a_draft_previewed_in_the_evening_in_new_york_is_dated_that_day(db, tenant, sla_config, version):
    with time_machine.travel("2026-11-30 23:30 -05:00", tick=False):  # already 1 December in UTC
        html = render(version, tenant).html

    assert "dated 30 November 2026." in html


def test_a_published_version_is_dated_its_publication_day_so_later_renders_hash_the_same(
    db, tenant, sla_config
):
    version = ContractVersionFactory(template=ContractTemplateFactory(tenant=tenant), published=True)

    with time_machine.travel("2026-05-01 12:00Z"):
        first = render(version, tenant)
    with time_machine.travel("2026-09-30 12:00Z"):
        second = render(version, tenant)

    assert first.sha256 == second.sha256


def test_the_hash_changes_with_what_the_signer_sees(db, tenant, sla_config, version):
    day = date(2026, 3, 9)
    sample = render(version, tenant, today=day)

    assert render(version, tenant, today=day, client=ClientFactory(tenant=tenant)).sha256 != sample.sha256
    assert render(version, tenant, today=day, tier="gold").sha256 != sample.sha256
    assert render(version, tenant, today=day + timedelta(days=1)).sha256 != sample.sha256


def test_safe_values_go_in_as_html_after_sanitising():
    table = mark_safe('<table class="sla-table"><tr><td>1 hour</td></tr></table>')

    html = render_markdown("Intro\n\n{{ sla_table }}\n\nOutro <script>x</script>", {"sla_table": table})

    assert html == '<p>Intro</p>\n<table class="sla-table"><tr><td>1 hour</td></tr></table>\n<p>Outro </p>'
