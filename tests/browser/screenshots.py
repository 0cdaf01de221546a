"""Screenshots of every staff page, desktop (1280 px) and phone (390 px), on the demo data.

Not part of the suite (the file name does not start with test_). Run it to look at the pages:

    .venv/bin/pytest tests/browser/screenshots.py -q          # PNGs in /tmp/shots/ (or $SHOTS_DIR)

It loads the demo tenants into the test database, signs in as the demo owner, and also shoots the pages
that are awkward to reach by hand: forms with errors, the created-key page, the no-tenant page, the open
tenant switcher and the phone menu.
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from clients.demo import seed_clients
from clients.models import Client
from tenants.demo import DEMO_PASSWORD, seed_tenants
from tenants.scope import tenant_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/")


def test_screenshots_of_every_staff_page(browser, live_server):
    northwind = seed_tenants(lambda line: None)[0]
    seed_clients(northwind, lambda line: None)
    with tenant_scope(northwind):
        client = Client.objects.order_by("-managed_endpoints").first()
    get_user_model().objects.create_user(email="new.hire@example.com", password=DEMO_PASSWORD)
    OUT.mkdir(parents=True, exist_ok=True)

    for device, options in VIEWPORTS.items():
        context = browser.new_context(base_url=live_server.url, device_scale_factor=1, **options)
        page = context.new_page()

        def shot(name, page=page, device=device):
            page.screenshot(path=OUT / f"{name}-{device}.png", full_page=True)

        page.goto("/accounts/login/")
        shot("login")
        page.get_by_label("Email").fill("owner@northwind-av.example")
        page.get_by_label("Password", exact=True).fill("wrong password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        shot("login-error")
        page.goto("/accounts/password-reset/")
        shot("password-reset")
        page.get_by_label("Email").fill("owner@northwind-av.example")
        page.get_by_role("button", name="Email me a reset link").click()
        shot("password-reset-sent")

        sign_in(page, "owner@northwind-av.example")
        for name, url in [
            ("dashboard", "/"),
            ("clients", "/clients/"),
            ("clients-search-none", "/clients/?q=zzz"),
            ("clients-archived-none", "/clients/?archived=1"),
            ("client-detail", f"/clients/{client.pk}/"),
            ("client-new", "/clients/new/"),
            ("contact-new", f"/clients/{client.pk}/contacts/new/"),
            ("site-new", f"/clients/{client.pk}/sites/new/"),
            ("team", "/team/"),
            ("api-keys-none", "/api-keys/"),
        ]:
            page.goto(url)
            shot(name)

        page.goto(f"/clients/{client.pk}/edit/")
        page.get_by_label("Name", exact=True).fill("")
        page.get_by_label("Managed endpoints").fill("")
        page.get_by_role("button", name="Save").click()
        shot("client-edit-errors")
        page.goto(f"/clients/{client.pk}/contacts/new/")
        page.get_by_label("Can sign contracts").check()
        page.get_by_role("button", name="Save").click()
        shot("contact-new-errors")
        page.goto("/api-keys/new/")
        page.get_by_label("Read", exact=True).uncheck()
        page.get_by_role("button", name="Create key").click()
        shot("api-key-new-errors")
        page.get_by_label("Name").fill(f"RMM integration ({device})")
        page.get_by_label("Read", exact=True).check()
        page.get_by_role("button", name="Create key").click()
        shot("api-key-created")
        page.goto("/api-keys/")
        shot("api-keys")
        if device == "phone":
            page.goto("/")
            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("button", name="Menu").click()
            expect(nav.get_by_role("link", name="Clients", exact=True)).to_be_visible()
            page.wait_for_timeout(400)  # the collapse animation
            shot("menu-open")
        context.close()

        context = browser.new_context(base_url=live_server.url, device_scale_factor=1, **options)
        page = context.new_page()
        sign_in(page, "consultant@accord.example")
        nav = page.get_by_role("navigation", name="Main")
        if device == "phone":
            nav.get_by_role("button", name="Menu").click()
        nav.get_by_role("button", name="Switch company").click()
        page.wait_for_timeout(200)
        shot("tenant-switcher", page=page)
        context.close()

        context = browser.new_context(base_url=live_server.url, device_scale_factor=1, **options)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill("new.hire@example.com")
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("heading", name="You are not on any company's staff yet").wait_for()
        shot("no-tenant", page=page)
        context.close()
