"""The staff pages in a real browser: what a dispatcher or owner sees and does.

Locators go by role and accessible name (get_by_role, get_by_label), so these tests also check that the
pages are usable with a screen reader and the keyboard. The `page` fixture fails any test during which
the browser reported a Content Security Policy violation or a script error.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, SiteFactory, StaffMembershipFactory, TenantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff(tenant, role=Role.OWNER, **user):
    return StaffMembershipFactory(tenant=tenant, role=role, **{f"user__{k}": v for k, v in user.items()}).user


def client_rows(page):
    return page.get_by_role("table").locator("tbody tr")


def test_signing_in_with_email_and_password_lands_on_the_dashboard_with_the_tenants_real_counts(
    page, sign_in, live_server
):
    tenant = TenantFactory(name="Northwind AV")
    owner = staff(tenant, full_name="Olivia Owens")
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence", managed_endpoints=40)
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental", managed_endpoints=25)
    ClientFactory(tenant=tenant, name="Gone Gallery", managed_endpoints=999, archived_at=timezone.now())
    ContactFactory(client=whitaker, can_sign=True)
    ContactFactory(client=okafor, can_sign=False)
    SiteFactory(client=whitaker)
    ClientFactory(
        tenant=TenantFactory(name="Rival AV"), managed_endpoints=500
    )  # another tenant's: not counted

    page.goto("/")  # signed out: sent to sign in, then back
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(owner.email.upper())  # sign-in ignores the email's case
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind AV")
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    today = page.get_by_role("region", name=re.compile(r"^Today, "))
    expect(today.get_by_role("group", name="Open tickets").locator(".stat-value")).to_have_text("0")
    expect(today.get_by_role("group", name="Contract coverage")).to_contain_text("0 of 2 clients signed")
    figures = page.get_by_role("region", name="Your client base")
    for label, value, note in [
        ("Clients", "2", "1 archived"),
        ("Contacts", "2", "1 can sign contracts"),
        ("Sites", "1", "where on-site work happens"),
        ("Managed endpoints", "65", "devices under management"),
    ]:
        figure = figures.get_by_role("group", name=label)
        expect(figure.locator(".stat-value")).to_have_text(value)
        expect(figure).to_contain_text(note)
    largest = page.get_by_role("region", name="Largest clients by managed endpoints")
    expect(largest.get_by_role("row")).to_have_count(3)  # header + two active clients, biggest first
    expect(largest.get_by_role("row").nth(1)).to_contain_text("Whitaker Residence")


def test_typing_in_the_client_search_filters_the_table_in_place_and_the_url_keeps_the_query(page, sign_in):
    tenant = TenantFactory()
    for name in ["Whitaker Residence", "Okafor Dental Group", "Moreau Lake House"]:
        ClientFactory(tenant=tenant, name=name)
    sign_in(page, staff(tenant))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(client_rows(page)).to_have_count(3)
    page.evaluate("window.notReloaded = true")

    search = page.get_by_role("searchbox", name="Search clients")
    with page.expect_request(lambda r: "q=okaf" in r.url and r.headers.get("hx-request") == "true"):
        search.press_sequentially("okaf")

    expect(client_rows(page)).to_have_count(1)
    expect(client_rows(page).first).to_contain_text("Okafor Dental Group")
    expect(page.locator("#results").get_by_text("1 client matching “okaf”")).to_be_visible()
    expect(page.locator("#results-status")).to_have_text("1 client matching “okaf”")  # read out once
    expect(page).to_have_url(re.compile(r"/clients/\?.*q=okaf"))
    assert page.evaluate("window.notReloaded") is True, (
        "the search reloaded the page instead of swapping the table"
    )

    page.reload()  # the URL is a bookmark: the filtered view comes back as it was
    expect(page.get_by_role("searchbox", name="Search clients")).to_have_value("okaf")
    expect(client_rows(page)).to_have_count(1)

    search = page.get_by_role("searchbox", name="Search clients")
    search.fill("nobody like this")
    expect(page.locator("#results").get_by_text("No client matches “nobody like this”.")).to_be_visible()


def test_creating_a_client_with_a_duplicate_name_shows_an_inline_error_and_keeps_what_was_typed(
    page, sign_in
):
    tenant = TenantFactory()
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    sign_in(page, staff(tenant))
    page.goto("/clients/")
    page.get_by_role("link", name="Add a client").click()
    expect(page.get_by_role("heading", name="New client")).to_be_visible()

    page.get_by_label("Name", exact=True).fill("whitaker residence")
    page.get_by_label("Email").fill("new.office@whitaker.example")
    page.get_by_label("Phone").fill("555 0101")
    page.get_by_label("Managed endpoints").fill("12")
    page.get_by_label("Notes").fill("Gate code at the office.")
    page.get_by_role("button", name="Save").click()

    name = page.get_by_label("Name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("Another active client already has this name"))
    expect(name).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Please check the field marked below")
    expect(name).to_have_value("whitaker residence")
    expect(page.get_by_label("Email")).to_have_value("new.office@whitaker.example")
    expect(page.get_by_label("Phone")).to_have_value("555 0101")
    expect(page.get_by_label("Managed endpoints")).to_have_value("12")
    expect(page.get_by_label("Notes")).to_have_value("Gate code at the office.")
    with tenant_scope(tenant):
        assert Client.objects.count() == 1


def test_adding_a_contact_and_a_site_from_the_client_page(page, sign_in):
    tenant = TenantFactory(timezone="America/Chicago")
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    sign_in(page, staff(tenant))
    page.goto("/clients/")
    page.get_by_role("link", name="Whitaker Residence").click()
    contacts = page.get_by_role("region", name=re.compile("^Contacts"))
    sites = page.get_by_role("region", name=re.compile("^Sites"))
    expect(contacts).to_contain_text("No contacts yet")

    page.get_by_role("link", name="Add contact").click()
    expect(page.get_by_role("heading", name="New contact for Whitaker Residence")).to_be_visible()
    page.get_by_label("Full name").fill("Priya Lindqvist")
    page.get_by_label("Job title").fill("Home owner")
    page.get_by_label("Email").fill("priya@whitaker.example")
    page.get_by_label("Can sign contracts").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Contact Priya Lindqvist added.")).to_be_visible()
    contact = contacts.get_by_role("listitem").filter(has_text="Priya Lindqvist")
    expect(contact).to_contain_text("Signer")
    expect(contact).to_contain_text("priya@whitaker.example")

    page.get_by_role("link", name="Add site").click()
    expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")  # the tenant's zone to start with
    page.get_by_label("Name").fill("Lake house")
    page.get_by_label("Address", exact=True).fill("12 Harbor Lane")
    page.get_by_label("City").fill("Rye")
    page.get_by_label("State / region").fill("NY")
    page.get_by_label("Postal code").fill("10580")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Site Lake house added.")).to_be_visible()
    site = sites.get_by_role("listitem").filter(has_text="Lake house")
    expect(site).to_contain_text("12 Harbor Lane, Rye, NY, 10580")
    expect(site).to_contain_text("America/Chicago")
    expect(sites.get_by_role("heading")).to_have_text(re.compile(r"Sites\s*1"))


def test_archiving_a_client_asks_once_and_restoring_it_brings_it_back(page, sign_in):
    tenant = TenantFactory()
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    ClientFactory(tenant=tenant, name="Okafor Dental Group")
    sign_in(page, staff(tenant))
    page.goto("/clients/")
    page.get_by_role("link", name="Whitaker Residence").click()
    archive = page.get_by_role("button", name="Archive", exact=True)

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    archive.click()  # changed their mind: nothing happens
    expect(page.get_by_role("heading", level=1)).to_have_text("Whitaker Residence")
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    archive.click()

    expect(page.get_by_role("status").filter(has_text="Whitaker Residence archived.")).to_be_visible()
    assert len(asked) == 2
    assert asked[1].startswith("Archive Whitaker Residence?")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Archived")
    expect(page.get_by_role("button", name="Archive", exact=True)).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(client_rows(page)).to_have_count(1)
    expect(page.get_by_role("table")).not_to_contain_text("Whitaker Residence")
    page.get_by_label("Show").select_option("Archived clients")
    expect(client_rows(page)).to_have_count(1)
    page.get_by_role("link", name="Whitaker Residence").click()

    page.get_by_role("button", name="Restore", exact=True).click()  # undo: no question asked
    expect(page.get_by_role("status").filter(has_text="Whitaker Residence restored.")).to_be_visible()
    expect(page.get_by_role("button", name="Archive", exact=True)).to_be_visible()
    page.goto("/clients/")
    expect(client_rows(page)).to_have_count(2)


def test_a_user_in_two_tenants_switches_tenant_from_the_navbar_and_sees_only_that_tenants_clients(
    page, sign_in
):
    harbor = TenantFactory(name="Harbor IT")
    northwind = TenantFactory(name="Northwind AV")
    ClientFactory(tenant=harbor, name="Nakamura Bakery")
    ClientFactory(tenant=northwind, name="Whitaker Residence")
    consultant = staff(harbor, Role.MANAGER)
    StaffMembershipFactory(tenant=northwind, user=consultant, role=Role.READ_ONLY)

    sign_in(page, consultant)  # lands in the first of their tenants by name
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Clients").click()
    expect(client_rows(page)).to_have_count(1)
    expect(client_rows(page).first).to_contain_text("Nakamura Bakery")

    switcher = nav.get_by_role("button", name=re.compile("Switch company"))
    expect(switcher).to_contain_text("Harbor IT")
    switcher.click()
    page.get_by_role("button", name=re.compile("^Northwind AV")).click()

    expect(page.get_by_role("status").filter(has_text="You are now working in Northwind AV.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind AV")
    expect(nav.get_by_role("button", name=re.compile("Switch company"))).to_contain_text("Northwind AV")
    expect(nav).to_contain_text("Read-only")
    nav.get_by_role("link", name="Clients").click()
    expect(client_rows(page)).to_have_count(1)
    expect(client_rows(page).first).to_contain_text("Whitaker Residence")
    expect(page.get_by_role("link", name="Add a client")).to_have_count(0)  # read-only in this one


def test_staff_pages_load_without_content_security_policy_violations(page, sign_in, page_problems):
    tenant = TenantFactory()
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    ContactFactory(client=client)
    SiteFactory(client=client)
    page.goto("/accounts/login/")
    page.goto("/accounts/password-reset/")
    sign_in(page, staff(tenant))
    for url in [
        "/",
        "/clients/",
        "/clients/?q=whit",
        f"/clients/{client.pk}/",
        "/clients/new/",
        f"/clients/{client.pk}/edit/",
        f"/clients/{client.pk}/contacts/new/",
        f"/clients/{client.pk}/sites/new/",
        "/team/",
        "/api-keys/",
        "/api-keys/new/",
    ]:
        response = page.goto(url)
        assert response.status == 200, url
    # Scripts that change the page at run time: a dropdown (Popper positions it) and an htmx swap.
    page.goto("/clients/")
    page.get_by_role("navigation", name="Main").get_by_role("button", name=re.compile("Owner")).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("searchbox", name="Search clients").fill("whit")
    expect(page).to_have_url(re.compile("q=whit"))
    page.get_by_role("link", name="Whitaker Residence").wait_for()
    # The created-key page is rendered once, on POST.
    page.goto("/api-keys/new/")
    page.get_by_label("Name").fill("RMM integration")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", name="Key “RMM integration” created")).to_be_visible()
    expect(page.locator("#clear-key")).to_have_text(re.compile(r"^acc_\w+"))

    assert page_problems.csp_violations == []
    assert page_problems == []


def test_a_read_only_user_sees_no_add_a_client_button(page, sign_in):
    tenant = TenantFactory()
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    sign_in(page, staff(tenant, Role.READ_ONLY))

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Add a client")).to_have_count(0)
    page.goto("/clients/")
    expect(client_rows(page)).to_have_count(1)
    expect(page.get_by_role("link", name="Add a client")).to_have_count(0)
    page.goto(f"/clients/{client.pk}/")
    expect(page.get_by_role("heading", name="Whitaker Residence")).to_be_visible()
    for name in ["Edit", "Archive", "Add contact", "Add site"]:
        expect(
            page.get_by_role("link", name=name, exact=True).or_(
                page.get_by_role("button", name=name, exact=True)
            )
        ).to_have_count(0)
    expect(page.get_by_role("link", name="API keys")).to_have_count(0)


def test_on_a_phone_the_menu_opens_from_its_button_and_no_page_is_wider_than_the_screen(phone_page, sign_in):
    tenant = TenantFactory(name="Northwind AV & Home Technology")
    client = ClientFactory(tenant=tenant, name="The Whitaker Family Lake House", phone="+1 914 555 0101")
    ContactFactory(
        client=client,
        full_name="Priya Lindqvist-Okonkwo",
        job_title="Estate manager",
        phone="+1 914 555 0199",
    )
    SiteFactory(client=client)
    for role in Role:
        staff(tenant, role)
    page = sign_in(phone_page, staff(tenant))

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Clients")).to_be_hidden()
    nav.get_by_role("button", name="Menu").click()
    nav.get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients", level=1)).to_be_visible()

    for url in [
        "/",
        "/clients/",
        f"/clients/{client.pk}/",
        f"/clients/{client.pk}/sites/new/",
        "/team/",
        "/api-keys/",
    ]:
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} is {overflow}px wider than a 390px phone screen"


def test_an_owner_invites_someone_and_changes_a_role_from_the_team_page(page, sign_in):
    tenant = TenantFactory(name="Northwind AV")
    staff(tenant, Role.TECHNICIAN, full_name="Theo Tran")
    sign_in(page, staff(tenant, full_name="Olivia Owens"))
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Settings").click()
    nav.get_by_role("link", name="Team & roles").click()

    page.get_by_role("link", name="Invite someone").click()
    invite = page.get_by_role("region", name="Invite someone")
    invite.get_by_label("Email").fill("not-an-email")
    invite.get_by_label("Full name").fill("Nia Tech")
    invite.get_by_role("button", name="Send invitation").click()
    email = page.get_by_role("region", name="Invite someone").get_by_label("Email")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address"))
    expect(page.get_by_role("region", name="Invite someone").get_by_label("Full name")).to_have_value(
        "Nia Tech"
    )
    email.fill("nia@example.com")
    page.get_by_role("region", name="Invite someone").get_by_label("Role").select_option("Dispatcher")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status").filter(has_text="nia@example.com was added")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("nia@example.com")

    page.get_by_label("Role of Theo Tran").select_option("Dispatcher")
    page.get_by_role("button", name="Change role of Theo Tran").click()
    expect(page.get_by_role("status").filter(has_text="is now Dispatcher")).to_be_visible()
    expect(page.get_by_label("Role of Theo Tran")).to_have_value("dispatcher")
