"""The accounting export: a constructed January (an invoice with tax, paid in part and credited in part, a
voided invoice, a draft, a document of another month) in Accord's layout and in the import layouts of
QuickBooks Online and Xero, row by row; who may export; and that another tenant's documents never appear."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

from billing import services
from billing.accounting_export import line_taxes, spread
from billing.models import Invoice, InvoiceLine
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

JANUARY = {"period": "custom", "start": "2027-01-01", "end": "2027-01-31"}


@pytest.fixture(autouse=True)
def february():
    with time_machine.travel(datetime(2027, 2, 15, 15, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def january(tenant):
    """INV …001 (5 Jan): Gold membership 100.00 and 1.5 h of labour at 120.00, 8.875 % tax = 304.85; 150.00
    paid on 20 Jan; 30.00 of its labour credited on 25 Jan (CN …001, 32.66 with tax). INV …002 (10 Jan)
    for a client whose name starts like a formula, voided on 12 Jan (CN …002). A draft, and an invoice of
    December, stay out."""
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence", email="accounts@whitaker.example")
    prankster = ClientFactory(tenant=tenant, name="=HYPERLINK(evil)", email="")
    issued_invoice(whitaker, [("plan", "December", "10.00")], issued_on=date(2026, 12, 31))
    first = issued_invoice(
        whitaker,
        [
            {
                "kind": "plan",
                "description": "Gold membership, January",
                "amount": "100.00",
                "unit_price": Decimal("100.00"),
                "period_start": date(2027, 1, 1),
                "period_end": date(2027, 2, 1),
            },
            {
                "kind": "labour",
                "description": "Replaced the PoE injector",
                "detail": "Ticket #12, 1.5 h at $120.00",
                "amount": "180.00",
                "quantity": Decimal("1.50"),
                "unit_price": Decimal("120.00"),
            },
        ],
        issued_on=date(2027, 1, 5),
        tax_rate_percent="8.875",
        period_start=date(2027, 1, 1),
    )
    voided = issued_invoice(
        prankster,
        [("labour", "+1 visit", "50.00")],
        issued_on=date(2027, 1, 10),
        period_start=date(2027, 1, 1),
    )
    with tenant_scope(tenant):
        Invoice.objects.create(
            tenant=tenant,
            client=whitaker,
            kind="labour",
            period_start=date(2027, 2, 1),
            period_end=date(2027, 3, 1),
            currency="USD",
        )
        services.void_invoice(voided, reason="Sent to the wrong client", actor="owner", on=date(2027, 1, 12))
        services.record_payment(
            first,
            Decimal("150.00"),
            date(2027, 1, 20),
            "bank_transfer",
            "-ACH 4411",
            actor="billing@example.com",
        )
        labour = InvoiceLine.objects.get(invoice=first, kind="labour")
        services.issue_credit_note(
            first,
            lines={labour: Decimal("30.00")},
            reason="Half hour was covered",
            actor="owner",
            on=date(2027, 1, 25),
        )
    return SimpleNamespace(whitaker=whitaker.pk, prankster=prankster.pk)


def download(client, kind, **params):
    response = client.get(f"/billing/export/{kind}.csv", {**JANUARY, **params})
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content).decode("utf-8")
    return response, body


def rows_of(body):
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def lines(body):
    return body.removeprefix("\ufeff").splitlines()


def test_tax_is_spread_over_the_taxable_lines_and_adds_up_to_the_cent():
    assert spread(Decimal("24.85"), [Decimal("100.00"), Decimal("180.00")]) == [
        Decimal("8.88"),
        Decimal("15.97"),
    ]
    assert spread(Decimal("0.01"), [Decimal("1"), Decimal("1"), Decimal("1")]) == [
        Decimal("0.01"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    assert line_taxes(
        Decimal("5.00"), [Decimal("50"), Decimal("-10"), Decimal("7")], [True, False, False]
    ) == [
        Decimal("5.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]


def test_the_accord_invoice_file_has_one_row_per_line_and_marks_the_voided_invoice(staff_client, january):
    response, body = download(staff_client, "invoices")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="invoices_accord_2027-01-01_2027-01-31.csv"' in response["Content-Disposition"]
    assert body.startswith("\ufeff")
    whitaker, prankster = january.whitaker, january.prankster
    head = (
        f"INV-2027-000002,partly_paid,labour,2027-01-05,2027-01-19,{whitaker},Whitaker Residence,"
        "accounts@whitaker.example,2027-01-01,2027-01-30,USD,280.00,"
        "Sales tax,8.875,24.85,304.85,150.00,32.66,"
        "122.19"
    )
    assert lines(body) == [
        "invoice_number,status,kind,issued_on,due_on,client_id,client_name,bill_to_email,period_first_day,"
        "period_last_day,currency,invoice_subtotal,tax_label,tax_rate_percent,invoice_tax,invoice_total,"
        "amount_paid,amount_credited,balance,line_position,line_kind,line_description,line_detail,"
        "line_first_day,line_last_day,quantity,unit_price,line_amount,line_taxable,line_tax",
        f'{head},1,plan,"Gold membership, January",,2027-01-01,2027-01-31,1,100.00,100.00,yes,8.88',
        f'{head},2,labour,Replaced the PoE injector,"Ticket #12,'
        ' 1.5 h at $120.00",,,1.5,120.00,180.00,yes,15.97',
        f"INV-2027-000003,void,labour,2027-01-10,2027-01-24,{prankster},'=HYPERLINK(evil),,2027-01-01,"
        "2027-01-30,USD,50.00,Sales tax,0,0.00,50.00,0.00,50.00,0.00,"
        "1,labour,'+1 visit,,,,1,0.00,50.00,yes,0.00",
    ]


def test_the_accord_credit_note_and_payment_files(staff_client, january):
    prankster = january.prankster
    _, body = download(staff_client, "credit-notes")
    assert lines(body) == [
        "credit_note_number,issued_on,invoice_number,client_id,"
        "client_name,currency,reason,credit_note_subtotal,"
        "credit_note_tax,credit_note_total,line_description,line_kind,line_taxable,line_amount,line_tax",
        f"CN-2027-000001,2027-01-12,INV-2027-000003,{prankster},"
        "'=HYPERLINK(evil),USD,Sent to the wrong client,"
        "50.00,0.00,50.00,'+1 visit,labour,yes,50.00,0.00",
        f"CN-2027-000002,2027-01-25,INV-2027-000002,{january.whitaker},Whitaker Residence,USD,"
        "Half hour was covered,30.00,2.66,32.66,Replaced the PoE injector,labour,yes,30.00,2.66",
    ]

    _, body = download(staff_client, "payments")
    assert lines(body) == [
        "paid_on,invoice_number,client_id,client_name,currency,amount,method,reference,recorded_by",
        f"2027-01-20,INV-2027-000002,{january.whitaker},Whitaker Residence,USD,150.00,bank_transfer,"
        "'-ACH 4411,billing@example.com",
    ]


def test_the_quickbooks_invoice_file_uses_its_import_columns_and_month_first_dates(staff_client, january):
    response, body = download(staff_client, "invoices", format="quickbooks")

    assert not body.startswith("\ufeff")
    assert 'filename="invoices_quickbooks_2027-01-01_2027-01-31.csv"' in response["Content-Disposition"]
    assert lines(body) == [
        "InvoiceNo,Customer,InvoiceDate,DueDate,Terms,Location,Memo,Item(Product/Service),ItemDescription,"
        "ItemQuantity,ItemRate,ItemAmount,ItemTaxCode,ItemTaxAmount,Currency,Service Date",
        "INV-2027-000002,Whitaker Residence,01/05/2027,01/19/2027,,,"
        "Period 2027-01-01 to 2027-01-30,Membership,"
        '"Gold membership, January",1,100.00,100.00,TAX,8.88,USD,01/01/2027',
        "INV-2027-000002,Whitaker Residence,01/05/2027,01/19/2027,,,Period 2027-01-01 to 2027-01-30,Labour,"
        "Replaced the PoE injector,1.5,120.00,180.00,TAX,15.97,USD,",
        "INV-2027-000003,'=HYPERLINK(evil),01/10/2027,01/24/2027,,,"
        "Period 2027-01-01 to 2027-01-30 (voided by credit note),"
        "Labour,'+1 visit,1,50.00,50.00,TAX,0.00,USD,",
    ]


def test_the_quickbooks_credit_notes_and_the_payments_it_cannot_import(staff_client, january):
    _, body = download(staff_client, "credit-notes", format="quickbooks", dates="day_first")
    assert lines(body)[0] == (
        "CreditNoteNo,Customer,CreditNoteDate,Memo,"
        "Item(Product/Service),ItemDescription,ItemQuantity,ItemRate,"
        "ItemAmount,ItemTaxCode,ItemTaxAmount,Currency"
    )
    assert lines(body)[2] == (
        "CN-2027-000002,Whitaker Residence,25/01/2027,Credits INV-2027-000002: Half hour was covered,Labour,"
        "Replaced the PoE injector,1,30.00,30.00,TAX,2.66,USD"
    )

    response, body = download(staff_client, "payments", format="quickbooks")
    assert 'filename="payments_accord_2027-01-01_2027-01-31.csv"' in response["Content-Disposition"]
    assert lines(body)[0].startswith("paid_on,invoice_number,")


def test_the_xero_files_follow_its_templates_with_codes_from_billing_settings(staff_client, january, tenant):
    with tenant_scope(tenant):
        services.update_billing_settings(
            tax_rate_percent="8.875",
            tax_label="Sales tax",
            payment_terms_days=14,
            run_hour=6,
            membership_account_code="4000",
            labour_account_code="4100",
            xero_tax_type="Sales Tax on Income",
            xero_exempt_tax_type="Exempt Income",
        )
    _, body = download(staff_client, "invoices", format="xero", dates="day_first")
    assert lines(body)[:3] == [
        "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,"
        "POAddressLine3,POAddressLine4,POCity,PORegion,"
        "POPostalCode,POCountry,*InvoiceNumber,Reference,"
        "*InvoiceDate,*DueDate,InventoryItemCode,*Description,"
        "*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TaxAmount,TrackingName1,TrackingOption1,"
        "TrackingName2,TrackingOption2,Currency,BrandingTheme",
        "Whitaker Residence,accounts@whitaker.example,,,,,,,,,"
        "INV-2027-000002,Period 2027-01-01 to 2027-01-30,"
        '05/01/2027,19/01/2027,,"Gold membership, January",1,100.00,,4000,Sales Tax on Income,8.88,,,,,USD,',
        "Whitaker Residence,accounts@whitaker.example,,,,,,,,,"
        "INV-2027-000002,Period 2027-01-01 to 2027-01-30,"
        "05/01/2027,19/01/2027,,Replaced the PoE injector,1.5,120.00,"
        ",4100,Sales Tax on Income,15.97,,,,,USD,",
    ]

    _, body = download(staff_client, "credit-notes", format="xero", dates="day_first")
    assert lines(body)[0] == (
        "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,"
        "POAddressLine3,POAddressLine4,POCity,PORegion,"
        "POPostalCode,POCountry,*CreditNoteNumber,Reference,*CreditNoteDate,InventoryItemCode,*Description,"
        "*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TaxAmount,TrackingName1,TrackingOption1,"
        "TrackingName2,TrackingOption2,Currency,BrandingTheme"
    )
    assert lines(body)[2] == (
        "Whitaker Residence,accounts@whitaker.example,,,,,,,,,CN-2027-000002,INV-2027-000002,25/01/2027,,"
        "Replaced the PoE injector,1,30.00,,4100,Sales Tax on Income,2.66,,,,,USD,"
    )


def test_the_page_counts_what_each_file_holds_and_documents_the_columns(staff_client, january):
    response = staff_client.get("/billing/export/", JANUARY)

    assert response.status_code == 200
    page = response.content.decode()
    assert "$354.85 invoiced" in page
    assert "$82.66 credited" in page
    assert "$150.00 received" in page
    assert "line_tax" in page
    response = staff_client.get("/billing/export/", {**JANUARY, "format": "xero"})
    assert "*ContactName" in response.content.decode()
    assert "no CSV import of payments" in response.content.decode()


def test_a_bad_range_is_refused_with_the_reason_not_exported_as_another_period(staff_client, january):
    response = staff_client.get(
        "/billing/export/invoices.csv", {"period": "custom", "start": "2027-02-01", "end": "2027-01-01"}
    )
    assert response.status_code == 400
    assert "start date must be on or before the end date" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.BILLING, 200), (Role.MANAGER, 200), (Role.DISPATCHER, 403), (Role.READ_ONLY, 403)],
)
def test_only_roles_that_see_revenue_may_export(client, login_as, tenant, role, status):
    login_as(tenant, role)
    assert client.get("/billing/export/").status_code == status
    assert client.get("/billing/export/invoices.csv").status_code == status


def test_another_tenants_documents_are_never_exported(client, login_as, january, other_tenant):
    rival = ClientFactory(tenant=other_tenant, name="Rival Client")
    issued_invoice(rival, [("plan", "Rival plan", "999.00")], issued_on=date(2027, 1, 7))
    login_as(other_tenant)

    _, body = download(client, "invoices")
    assert "Whitaker" not in body
    assert [row[6] for row in rows_of(body)[1:]] == ["Rival Client"]
    _, body = download(client, "payments")
    assert len(rows_of(body)) == 1
    assert "$999.00 invoiced" in client.get("/billing/export/", JANUARY).content.decode()
