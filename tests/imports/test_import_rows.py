import pytest

from clients.models import Client, Contact, Site
from imports import services
from imports.layouts import LAYOUTS, detect_layout
from imports.models import ImportStatus
from imports.reading import UnreadableFile, read_table
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db

ACCORD_CSV = (
    "client_name,client_email,managed_endpoints,contact_name,contact_email,address_line1,city,region\n"
    "Whitaker Residence,ops@whitaker.example,12,Priya Lindqvist,priya@whitaker.example,"
    "12 Harbor Lane,Rye,NY\n"
    "Okafor Dental Group,,40,Ade Okafor,ade@okafor.example,,,\n"
)


def upload(tenant, text, **options):
    data = text.encode("utf-8") if isinstance(text, str) else text
    with tenant_scope(tenant):
        return services.upload(data, file_name="clients.csv", **options)


def test_a_clean_file_previews_then_imports_clients_contacts_and_sites(tenant):
    job, checked = upload(tenant, ACCORD_CSV)
    assert job.status == ImportStatus.PREVIEWED
    assert checked.problems == []
    assert job.counts["new_clients"] == 2
    with tenant_scope(tenant):
        assert not Client.objects.exists()  # the preview imports nothing
        services.start(job, skip_invalid=False)
        whitaker = Client.objects.get(name="Whitaker Residence")
        assert whitaker.managed_endpoints == 12
        assert whitaker.contacts.get().email == "priya@whitaker.example"
        site = whitaker.sites.get()
        assert (site.name, site.city, site.timezone) == ("12 Harbor Lane", "Rye", tenant.timezone)
        assert not Client.objects.get(name="Okafor Dental Group").sites.exists()
    assert job.status == ImportStatus.DONE
    assert job.summary["clients"] == {"created": 2, "updated": 0, "skipped": 0}
    assert job.summary["contacts"]["created"] == 2


def test_a_file_with_three_bad_rows_names_each_row_and_imports_nothing(tenant):
    text = (
        "client_name,contact_name,contact_email,managed_endpoints\n"
        "Good One,Ann Lee,ann@good.example,3\n"
        "Bad Email,Bob Stone,bob@,4\n"
        ",Cat Moss,cat@x.example,5\n"
        "Good Two,Dan Roe,dan@two.example,6\n"
        "Bad Count,Eve Fox,eve@count.example,ten\n"
    )
    job, _checked = upload(tenant, text)
    messages = [problem["message"] for problem in job.problems]
    assert messages == [
        "Row 3: contact_email 'bob@' is not an email address: fix it or leave it empty.",
        "Row 4: the client name is empty: fill in client_name.",
        "Row 6: managed_endpoints 'ten' is not a whole number: write digits only (e.g. 25), "
        "or leave it empty.",
    ]
    with tenant_scope(tenant):
        with pytest.raises(services.ImportRefused):
            services.start(job, skip_invalid=False)
        assert not Client.objects.exists()
    assert job.status == ImportStatus.PREVIEWED


def test_skipping_the_bad_rows_imports_the_valid_ones_when_asked(tenant):
    text = "client_name,client_email\nGood One,\nBad Email,nope\nGood Two,two@example.com\n"
    job, _ = upload(tenant, text)
    with tenant_scope(tenant):
        services.start(job, skip_invalid=True)
        assert sorted(Client.objects.values_list("name", flat=True)) == ["Good One", "Good Two"]
    assert job.summary["rows_skipped"] == 1


def test_existing_clients_are_updated_or_left_as_chosen(tenant):
    ClientFactory(tenant=tenant, name="Whitaker Residence", managed_endpoints=3)
    job, _checked = upload(
        tenant, "client_name,managed_endpoints\nwhitaker residence,30\nNew Client,5\n", on_existing="skip"
    )
    assert job.counts["existing_clients"] == 1
    with tenant_scope(tenant):
        services.start(job, skip_invalid=False)
        assert Client.objects.get(name="Whitaker Residence").managed_endpoints == 3
    assert job.summary["clients"] == {"created": 1, "updated": 0, "skipped": 1}

    job, _ = upload(tenant, "client_name,managed_endpoints\nWHITAKER RESIDENCE,30\n", on_existing="update")
    with tenant_scope(tenant):
        services.start(job, skip_invalid=False)
        assert Client.objects.get(name="Whitaker Residence").managed_endpoints == 30
        assert Client.objects.count() == 2


def test_a_contact_already_there_is_updated_and_a_new_primary_replaces_the_old(tenant):
    client = ClientFactory(tenant=tenant, name="Acme")
    old = ContactFactory(client=client, full_name="Old Boss", email="boss@acme.example", is_primary=True)
    text = (
        "client_name,contact_name,contact_email,contact_job_title,contact_is_primary\n"
        "Acme,New Boss,new@acme.example,CEO,yes\n"
        "Acme,Old Boss,BOSS@acme.example,Founder,\n"
    )
    job, checked = upload(tenant, text)
    assert checked.problems == []
    with tenant_scope(tenant):
        services.start(job, skip_invalid=False)
        old.refresh_from_db()
        assert (old.job_title, old.is_primary) == ("Founder", False)
        assert Contact.objects.get(email="new@acme.example").is_primary
    assert job.summary["contacts"] == {"created": 1, "updated": 1, "skipped": 0}


def test_duplicates_within_the_file_are_named_with_the_row_they_repeat(tenant):
    text = (
        "client_name,managed_endpoints,contact_name,contact_email\n"
        "Acme,10,Ann Lee,ann@acme.example\n"
        "Acme,12,Bob Roe,bob@acme.example\n"
        "Acme,,Ann Lee,ANN@acme.example\n"
    )
    job, _ = upload(tenant, text)
    assert [problem["message"] for problem in job.problems] == [
        "Row 3: managed_endpoints '12' differs from row 2 ('10') for the same client: keep one value.",
        "Row 4: the contact 'Ann Lee' of 'Acme' is already on row 2: remove one of the two rows.",
    ]


def test_a_connectwise_company_export_is_detected_and_read(tenant):
    text = (
        "Company Name,Company ID,Status,Address Line1,Address Line2,City,State,Zip,Country,Phone\n"
        "Harbor Marine,HARBOR,Active,1 Dock St,Suite 2,Portland,ME,04101,United States,207-555-0100\n"
    )
    job, checked = upload(tenant, text)
    assert job.layout == job.layout_detected == "connectwise"
    assert "Company ID" in checked.ignored_headers
    with tenant_scope(tenant):
        services.start(job, skip_invalid=False)
        site = Site.objects.get()
        assert (site.client.name, site.client.phone, site.postal_code, site.country) == (
            "Harbor Marine",
            "207-555-0100",
            "04101",
            "US",
        )


@pytest.mark.parametrize(
    ("headers", "layout"),
    [
        ("client_name,managed_endpoints", "accord"),
        ("Company Name,Company ID,Address Line1,City,State,Zip", "connectwise"),
        ("Company,First Name,Last Name,Title,Email", "connectwise"),
        ("Account Name,Address 1,City,State,Postal Code,Phone", "autotask"),
        ("Organization: Name,Contact: First Name,Contact: Last Name,Contact: Email Address", "autotask"),
        ("client_name,site_name,firstname,surname,emailaddress", "halopsa"),
        ("Client Name,Site Name,Address Line 1,Town,Postcode", "halopsa"),
    ],
)
def test_the_layout_is_detected_from_the_header_row(headers, layout):
    assert detect_layout(headers.split(",")).key == layout


def test_an_autotask_contact_export_builds_full_names(tenant):
    text = (
        "Account Name,First Name,Last Name,Email Address,Title\n"
        "Lakeside Clinic,Maria,Lopez,maria@lakeside.example,Office manager\n"
    )
    job, _ = upload(tenant, text)
    assert job.layout == "autotask"
    with tenant_scope(tenant):
        services.start(job, skip_invalid=False)
        assert Contact.objects.get().full_name == "Maria Lopez"


def test_the_layout_can_be_overridden(tenant):
    job, _ = upload(tenant, "Name,Phone\nAcme,555\n", layout="autotask")
    assert job.layout == "autotask"
    with tenant_scope(tenant):
        services.recheck(job, layout="accord")
    assert job.layout == "accord"
    assert job.counts["valid_rows"] == 1


def test_a_bom_semicolons_and_windows_1252_are_read():
    table = read_table("\ufeffclient_name;notes\nCafé Müller;a;b\n".encode())
    assert table.headers == ["client_name", "notes"]
    assert table.delimiter == ";"
    table = read_table("client_name\tnotes\nCafé Müller\tok\n".encode("cp1252"))
    assert (table.rows, table.encoding, table.delimiter) == ([["Café Müller", "ok"]], "Windows-1252", "\t")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"client_name\n", "no rows"),
        (b"PK\x03\x04\x00\x00", "not a text file"),
    ],
)
def test_unreadable_files_say_what_to_do(data, says):
    with pytest.raises(UnreadableFile, match=says):
        read_table(data)


def test_row_numbers_are_the_spreadsheets_even_across_blank_lines(tenant):
    job, _ = upload(tenant, "client_name,client_email\nA,\n\nB,bad\n")
    assert job.problems[0]["row"] == 4


def test_every_layout_has_a_client_column():
    for layout in LAYOUTS.values():
        assert ("client", "name") in layout.columns.values()
