"""No user text can imitate a merge field: client names and templates that look like placeholders,
merge fields, HTML or Markdown are printed as typed, in the HTML and in the PDF."""

import html
import io
import re
from datetime import date

import pytest
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from contracts import documents
from contracts.documents import render_markdown, render_version
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContractTemplateFactory, ContractVersionFactory

OLD_PLACEHOLDER = "accordmergefield0x"
NEW_FORM = "accordmergefield0123456789abcdef0123456789abcdefn0x"  # the prefix, a nonce's shape, an index
TABLE = mark_safe('<table class="accord-made"><tr><td>Covered</td></tr></table>')


def text_of(fragment: str) -> str:
    """What a reader sees: tags dropped, entities decoded (escaped user text has no tags left)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.fixture
def version(tenant):
    return ContractVersionFactory(
        template=ContractTemplateFactory(tenant=tenant, name="Service Agreement"),
        title="Service Agreement",
        terms_markdown=(
            "This agreement is with {{ client_name }}.\n\n"
            f"The author typed {OLD_PLACEHOLDER} and {NEW_FORM} here.\n\n"
            "{{ coverage_table }}\n\n"
            "Signed by {{ client_name }}."
        ),
        sla_markdown="{{ sla_table }}",
    )


def render(version, tenant, client):
    with tenant_scope(tenant):
        return render_version(version, client=client, tenant=tenant, today=date(2026, 3, 9))


@pytest.mark.parametrize(
    "name",
    [
        OLD_PLACEHOLDER,
        "accordmergefield1x",
        NEW_FORM,
        "{{ coverage_table }}",
        "{{ sla_table }}",
        "<b>Smith</b> & <script>alert(1)</script>",
        "**Smith** & _Sons_ [x](https://evil.example) `code` ~~gone~~ # 1. -",
        "Smith &amp; Sons &#65;",
    ],
)
def test_a_client_name_that_imitates_a_merge_field_is_printed_as_typed(db, tenant, version, name):
    plain = render(version, tenant, ClientFactory(tenant=tenant, name="Plain"))
    document = render(version, tenant, ClientFactory(tenant=tenant, name=name))

    assert document.html.count("<table") == plain.html.count("<table")
    assert document.html.count("coverage-table") == plain.html.count("coverage-table") == 1
    terms = text_of(document.html.split('id="doc-terms"')[1].split('id="doc-sla"')[0])
    assert f"This agreement is with {name}." in terms
    assert f"Signed by {name}." in terms
    assert f"The author typed {OLD_PLACEHOLDER} and {NEW_FORM} here." in terms
    assert "<script" not in document.html
    assert "<b>Smith" not in document.html


def test_the_issue_case_a_placeholder_in_the_client_name_does_not_become_the_coverage_table(
    db, tenant, version
):
    document = render(version, tenant, ClientFactory(tenant=tenant, name=OLD_PLACEHOLDER))

    # Typed twice in the terms by the client's name, once by the author, once in the parties list.
    assert document.html.count(OLD_PLACEHOLDER) == 4
    assert document.html.count("coverage-table") == 1
    assert "This agreement is with accordmergefield0x.</p>" in document.html


def test_the_pdf_prints_an_imitating_client_name_and_template_text_as_typed(db, tenant, version):
    import weasyprint

    name = "accordmergefield0x {{ sla_table }} <i>&</i>"
    document = render(version, tenant, ClientFactory(tenant=tenant, name=name))
    pdf = weasyprint.HTML(string=document.html).write_pdf()
    text = " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())

    assert f"This agreement is with {name}." in text
    assert f"The author typed {OLD_PLACEHOLDER} and {NEW_FORM} here." in text


def test_renderings_repeat_byte_for_byte_although_each_draws_its_own_nonce(db, tenant, version):
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")

    assert render(version, tenant, client).html == render(version, tenant, client).html


def test_markdowns_own_stash_markers_in_a_value_cannot_pull_in_stashed_html():
    # Python-Markdown stashes raw HTML as \x02wzxhzdk:N\x03 and puts it back after serialising.
    html_out = render_markdown(
        "<span>raw</span> {{ client_name }}", {"client_name": "\x02wzxhzdk:0\x03 \x02klzzwxh:0\x03"}
    )

    assert html_out.count("raw") == 1


# Printable text of any script, with tabs and newlines; other control characters are refused at input.
user_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n"), max_size=80
)
placeholder_like = st.sampled_from(
    [
        OLD_PLACEHOLDER,
        NEW_FORM,
        "accordmergefield",
        "{{ coverage_table }}",
        "{{ client_name }}",
        "<p>",
        "</p>",
    ]
)
imitations = st.lists(st.one_of(user_text, placeholder_like), max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(value=imitations)
def test_any_text_value_round_trips_literally_and_never_becomes_a_table(value):
    rendered = render_markdown(
        "Dear {{ client_name }}, on **{{ tier }}**:\n\n{{ coverage_table }}",
        {"client_name": value, "tier": value, "coverage_table": TABLE},
    )

    assert rendered.count('class="accord-made"') == 1
    paragraph = rendered.split("<table")[0]
    assert text_of(paragraph).strip() == f"Dear {value}, on {value}:".strip()


@settings(max_examples=200, deadline=None)
@given(before=imitations, after=imitations)
def test_template_text_gets_a_table_for_each_real_merge_field_and_for_nothing_else(before, after):
    template = f"{before}\n\n{{{{ coverage_table }}}}\n\n{after}"
    real_fields = [m.group(1) for m in documents._MERGE_FIELD.finditer(template)].count("coverage_table")

    rendered = render_markdown(template, {"coverage_table": TABLE, "client_name": before})

    assert rendered.count('class="accord-made"') == real_fields
