"""The notifications page, the bell's badge, count and menu, and marking read."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from notifications.models import Notification
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import NotificationFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(login_as, tenant):
    return login_as(tenant, Role.DISPATCHER)


def notify(tenant, user, **kwargs):
    return NotificationFactory(tenant=tenant, recipient=user, **kwargs)


def test_the_page_lists_my_notifications_newest_first_and_not_my_colleagues(client, tenant, me):
    now = datetime.now(UTC)
    notify(tenant, me, title="Resolution due soon on #7 Rack fan loud", kind="sla.warning",
           created_at=now - timedelta(hours=2))  # fmt: skip
    notify(tenant, me, title="First response breached on #9 Wi-Fi down", created_at=now)
    colleague = StaffMembershipFactory(tenant=tenant, role=Role.DISPATCHER).user
    notify(tenant, colleague, title="On-site arrival breached on #3 Not mine")
    page = client.get(reverse("notifications:list")).content.decode()
    assert page.index("#9 Wi-Fi down") < page.index("#7 Rack fan loud")
    assert "Not mine" not in page
    assert "2 unread" in page
    assert "Breach" in page
    assert "Warning" in page


def test_unread_only_and_an_empty_state_that_says_so(client, tenant, me):
    page = client.get(reverse("notifications:list"), {"show": "unread"}).content.decode()
    assert "All caught up." in page


def test_the_count_endpoint_answers_json_for_a_badge(client, tenant, me):
    notify(tenant, me)
    notify(tenant, me, read_at=datetime.now(UTC))
    response = client.get(reverse("notifications:count"))
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"unread": 1}
    badge = client.get(reverse("notifications:badge")).content.decode()
    assert 'id="notification-badge"' in badge
    assert ">1<" in badge


def test_opening_a_notification_marks_it_read_and_goes_to_its_ticket(client, tenant, me):
    notification = notify(tenant, me, url="/tickets/42/")
    response = client.post(reverse("notifications:read", args=[notification.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/tickets/42/"
    with tenant_scope(tenant):
        assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_marking_read_stays_on_the_page_and_ignores_foreign_next_urls(client, tenant, me):
    notification = notify(tenant, me)
    response = client.post(
        reverse("notifications:read", args=[notification.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_read(client, tenant, me):
    for _ in range(3):
        notify(tenant, me)
    client.post(reverse("notifications:read_all"))
    assert client.get(reverse("notifications:count")).json() == {"unread": 0}


def test_a_colleagues_notification_cannot_be_marked_read(client, tenant, me):
    colleague = StaffMembershipFactory(tenant=tenant, role=Role.MANAGER).user
    theirs = notify(tenant, colleague)
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404


def test_the_menu_shows_the_latest_few(client, tenant, me):
    for n in range(8):
        notify(tenant, me, title=f"Breach number {n}")
    menu = client.get(reverse("notifications:menu")).content.decode()
    assert menu.count('class="dropdown-item notification-item') == 6
    assert "Mark all read" in menu
    assert "See all notifications" in menu


def test_the_bell_tag_renders_the_count_for_the_signed_in_staff_member(tenant, me):
    notify(tenant, me)
    request = RequestFactory().get("/")
    request.user = me
    with tenant_scope(tenant):
        from tenants.models import StaffMembership

        request.membership = StaffMembership.objects.get(user=me)
        html = Template("{% load notification_tags %}{% notification_bell %}").render(
            Context({"request": request, "current_tenant": tenant, "csrf_token": "x"})
        )
    assert 'id="notification-toggle"' in html
    assert "1 unread" in html
    assert reverse("notifications:list") in html


def test_the_page_walks_a_long_inbox_by_keyset_and_keeps_unread_only(client, tenant, me, monkeypatch):
    from notifications.views import NotificationListView

    monkeypatch.setattr(NotificationListView, "page_size", 2)
    now = datetime.now(UTC)
    for n in range(5):
        notify(tenant, me, title=f"Notice {n}", created_at=now - timedelta(hours=5 - n), read_at=None)
    notify(tenant, me, title="Notice read", created_at=now, read_at=now)
    url = reverse("notifications:list")

    def titles(page):
        return re.findall(r'<span class="visually-hidden">: (Notice \d)</span>', page)

    seen, page = [], client.get(url, {"show": "unread"}).content.decode()
    assert "5 notifications unread" in page
    while True:
        seen += titles(page)
        link = re.search(r'href="\?show=unread&(?:amp;)?cursor=([\w-]+)" rel="next"', page)
        if not link:
            break
        page = client.get(url, {"show": "unread", "cursor": link[1]}).content.decode()
    assert seen == [f"Notice {n}" for n in (4, 3, 2, 1, 0)]
