"""The best-practices pages: the checklist staff keep, a client's review with its check form and evidence
(validated, stored under the tenant, served only to its staff), the overview, the client's sections and
the API."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from rewards.best_practice_services import record_check, save_practice, save_tier
from rewards.best_practices import best_practices_standing
from rewards.models import CheckResult, ComplianceTier, Practice, PracticeCheck
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of
from tests.factories import ClientFactory, api_key_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def checklist(tenant):
    with tenant_scope(tenant):
        backups = save_practice(name="Backups verified", weight=3, valid_for_months=12)
        mfa = save_practice(name="MFA enforced", weight=2)
        ups = save_practice(name="UPS on racks", weight=1)
        save_tier(name="Silver", threshold_percent=75, discount_percent=10)
        save_tier(name="Gold", threshold_percent=90, discount_percent=15)
    return backups, mfa, ups


def client_url(client):
    return reverse("best_practices:client", kwargs={"pk": client.pk})


def record(staff_client, client, practice, result="met", **extra):
    data = {
        "check-practice": practice.pk,
        "check-result": result,
        "check-checked_on": "2026-12-01",
        "check-note": extra.pop("note", "Checked the console"),
        **{f"check-{key}": value for key, value in extra.items()},
    }
    return staff_client.post(client_url(client), data)


# --- The checklist --------------------------------------------------------------------------------------


def test_a_manager_adds_reorders_and_archives_practices(staff_client, tenant, checklist):
    backups, _mfa, ups = checklist
    response = staff_client.post(
        reverse("best_practices:practice_create"),
        {"practice-name": "Guest Wi-Fi isolated", "practice-weight": "2", "practice-description": "VLAN"},
    )
    assert response.status_code == 302
    staff_client.post(reverse("best_practices:practice_action", args=[ups.pk]), {"action": "up"})
    staff_client.post(reverse("best_practices:practice_action", args=[backups.pk]), {"action": "archive"})
    with tenant_scope(tenant):
        active = list(
            Practice.objects.filter(archived_at__isnull=True)
            .order_by("position")
            .values_list("name", flat=True)
        )
    assert active == ["UPS on racks", "MFA enforced", "Guest Wi-Fi isolated"]
    page = staff_client.get(reverse("best_practices:checklist")).content.decode()
    assert "Guest Wi-Fi isolated" in page
    assert "Restore" in page


def test_a_duplicate_practice_name_is_refused_and_what_was_typed_stays(staff_client, checklist):
    response = staff_client.post(
        reverse("best_practices:practice_create"), {"practice-name": "mfa ENFORCED", "practice-weight": "4"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is already a practice named" in page
    assert 'value="mfa ENFORCED"' in page


def test_a_technician_cannot_change_the_checklist(client, login_as, tenant, checklist):
    login_as(tenant, Role.TECHNICIAN)
    response = client.post(
        reverse("best_practices:practice_create"), {"practice-name": "X", "practice-weight": "1"}
    )
    assert response.status_code == 403


def test_a_tier_held_by_a_client_cannot_be_deleted(staff_client, tenant, owner, checklist):
    from rewards.best_practices import grant_best_practice_tiers

    client = ClientFactory(tenant=tenant)
    with tenant_scope(tenant):
        for practice in checklist:
            record_check(client, practice=practice, result="met", checked_on=date(2026, 12, 1), by=owner)
        grant_best_practice_tiers(date(2026, 12, 1))
        gold = ComplianceTier.objects.get(name="Gold")
    response = staff_client.post(
        reverse("best_practices:tier_update", args=[gold.pk]), {"action": "delete"}, follow=True
    )
    assert "Clients hold Gold now" in response.content.decode()


# --- Checks and evidence --------------------------------------------------------------------------------


def test_staff_record_a_check_with_evidence_stored_under_the_tenant(staff_client, tenant, checklist, media):
    backups = checklist[0]
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    response = record(
        staff_client, client, backups, evidence=SimpleUploadedFile("restore test.pdf", PDF, "application/pdf")
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        check = PracticeCheck.objects.get(client=client)
    assert check.result == CheckResult.MET
    assert check.expires_on == date(2027, 12, 1)
    assert check.evidence.name.startswith(f"best-practices/tenant-{tenant.pk}/client-{client.pk}/")
    assert check.evidence_name == "restore test.pdf"
    assert (media / check.evidence.name).read_bytes() == PDF
    page = staff_client.get(client_url(client)).content.decode()
    assert "restore test.pdf" in page
    download = staff_client.get(reverse("best_practices:evidence", args=[check.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("payload.exe", b"MZ\x90\x00", "This type of file is not accepted"),
        ("scan.pdf", b"<html><script>alert(1)</script>", "The file&#x27;s content is not a PDF"),
        ("photo.png", b"\xff\xd8\xff\xe0 a jpeg", "The file&#x27;s content is not a PNG"),
        ("notes.txt", b"\x00\x01\x02binary", "A text file must be plain UTF-8 text"),
    ],
)
def test_evidence_of_the_wrong_type_is_refused_and_nothing_is_recorded(
    staff_client, tenant, checklist, name, content, message
):
    client = ClientFactory(tenant=tenant)
    response = record(staff_client, client, checklist[0], evidence=SimpleUploadedFile(name, content))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Checked the console" in page  # what was typed stays
    with tenant_scope(tenant):
        assert not PracticeCheck.objects.exists()


def test_evidence_over_ten_megabytes_is_refused(staff_client, tenant, checklist):
    client = ClientFactory(tenant=tenant)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    response = record(staff_client, client, checklist[0], evidence=big)
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()


def test_a_check_in_the_future_or_not_met_without_a_word_is_refused(staff_client, tenant, checklist):
    client = ClientFactory(tenant=tenant)
    future = record(staff_client, client, checklist[0], checked_on="2099-01-01")
    assert "cannot be dated in the future" in future.content.decode()
    silent = record(staff_client, client, checklist[0], result="not_met", note="")
    assert "Say what is missing" in silent.content.decode()


def test_another_tenants_evidence_and_client_page_are_not_found(client, tenant, other_tenant, checklist):
    theirs = ClientFactory(tenant=tenant)
    with tenant_scope(tenant):
        check = record_check(
            theirs,
            practice=checklist[0],
            result="met",
            checked_on=date(2026, 12, 1),
            by=staff_of(tenant),
            evidence=SimpleUploadedFile("restore.pdf", PDF),
        )
    client.force_login(staff_of(other_tenant))
    assert client.get(reverse("best_practices:evidence", args=[check.pk])).status_code == 404
    assert client.get(client_url(theirs)).status_code == 404


def test_a_read_only_member_sees_compliance_but_cannot_record_a_check(client, login_as, tenant, checklist):
    a_client = ClientFactory(tenant=tenant)
    login_as(tenant, Role.READ_ONLY)
    page = client.get(client_url(a_client))
    assert page.status_code == 200
    assert "Record a check" not in page.content.decode()
    assert record(client, a_client, checklist[0]).status_code == 403


# --- Overview, sections, API ----------------------------------------------------------------------------


def test_the_overview_lists_clients_best_score_first(staff_client, tenant, owner, checklist):
    backups, _mfa, _ups = checklist
    good, fair = ClientFactory(tenant=tenant, name="Good Co"), ClientFactory(tenant=tenant, name="Fair Co")
    ClientFactory(tenant=tenant, name="Unchecked Co")
    with tenant_scope(tenant):
        for practice in checklist:
            record_check(good, practice=practice, result="met", checked_on=date(2026, 12, 1), by=owner)
        record_check(fair, practice=backups, result="met", checked_on=date(2026, 12, 1), by=owner)
    page = staff_client.get(reverse("best_practices:overview")).content.decode()
    assert page.index("Good Co") < page.index("Fair Co") < page.index("Unchecked Co")
    assert "100%" in page
    assert "50%" in page


def test_the_client_sees_its_tier_score_and_what_would_move_it_up(tenant, owner, checklist):
    backups, mfa, ups = checklist
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    with tenant_scope(tenant):
        record_check(client, practice=backups, result="met", checked_on=date(2026, 12, 1), by=owner)
        record_check(client, practice=mfa, result="met", checked_on=date(2026, 12, 1), by=owner)
        record_check(
            client, practice=ups, result="not_met", checked_on=date(2026, 12, 1), by=owner, note="No UPS"
        )
        context = best_practices_standing(client, date(2026, 12, 2))
        html = render_to_string("rewards/sections/best_practices_portal.html", context)
        staff_html = render_to_string("rewards/sections/best_practices_staff.html", context)
    assert "Silver" in html
    assert "83.3%" in html
    assert "UPS on racks" in html
    assert "+16.7 points" in html
    assert "Gold" in html
    assert "15% off project labour" in html
    assert "Silver" in staff_html


def test_the_section_says_nothing_without_a_checklist(tenant):
    with tenant_scope(tenant):
        assert best_practices_standing(ClientFactory(tenant=tenant), date(2026, 12, 1)) is None


def test_the_api_lists_the_checklist_and_tiers(client, tenant, checklist):
    _, key = api_key_for(tenant, scopes=("read",))
    response = client.get("/api/v1/reward-programs/best-practices/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    body = response.json()
    assert [practice["name"] for practice in body["practices"]] == [
        "Backups verified",
        "MFA enforced",
        "UPS on racks",
    ]
    assert [(tier["name"], tier["discount_percent"]) for tier in body["tiers"]] == [
        ("Silver", "10.00"),
        ("Gold", "15.00"),
    ]
