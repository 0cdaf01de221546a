"""Renewals: reminders before the end (acceptance 5: once per agreement and threshold, even when the run
happens twice or twice at once), expiring and expired, auto-renewal, and the renewal pipeline."""

import threading
from collections import Counter
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection

from contracts import agreements, renewals
from contracts.models import Agreement, AgreementStatus, RenewalReminder
from contracts.selectors import contract_terms
from contracts.tasks import run_contracts_for_tenant, run_daily_contracts
from contracts.templatetags.contract_badges import RENEWAL_OUTLOOK_BADGES, renewal_outlook_badge
from contracts.versions import current_published_version
from events.models import OutboxEvent
from memberships.selectors import agreement_plan
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of
from tests.contracts.contract_setup import client_with_signers, service_version, sign
from tests.factories import PlanFactory, TenantFactory

S = AgreementStatus
END = date(2026, 5, 31)


def active_agreement(tenant, client, version, *, starts_on=date(2025, 6, 1), monthly_fee=Decimal("250.00"),
                     tier="gold"):  # fmt: skip
    """Signed a year ago: runs 1 June 2025 to 31 May 2026; a membership of ``tier`` at ``monthly_fee``."""
    with time_machine.travel("2025-05-20 12:00Z", tick=False), tenant_scope(tenant):
        agreement = agreements.create_agreement(
            client=client, version=version, actor="owner@example.com", starts_on=starts_on,
            plan=PlanFactory(tenant=tenant, key=tier), plan_price=monthly_fee,
        )  # fmt: skip
        agreements.mark_sent(agreement, actor="owner@example.com")
        agreement = agreements.mark_signed(agreement, actor="Dana Whitaker")
    with time_machine.travel(f"{starts_on.isoformat()} 12:00Z", tick=False), tenant_scope(tenant):
        return agreements.activate_if_started(agreement, today=starts_on)


@pytest.fixture
def setup(tenant):
    staff = {role: staff_of(tenant, role) for role in (Role.OWNER, Role.MANAGER, Role.TECHNICIAN)}
    version = service_version(tenant, notice_days=30)
    client, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    agreement = active_agreement(tenant, client, version)
    mail.outbox.clear()
    return {"staff": staff, "version": version, "client": client, "agreement": agreement}


def run(tenant, day: date):
    with time_machine.travel(f"{day.isoformat()} 10:00Z", tick=False), tenant_scope(tenant):
        return renewals.run_renewals(day)


def recipients():
    return Counter(message.to[0] for message in mail.outbox)


@pytest.mark.django_db
def test_reminders_reach_owners_managers_and_the_client_once_per_threshold(tenant, setup):
    result = run(tenant, date(2026, 4, 1))  # 60 days left
    assert result.reminders == [(setup["agreement"].pk, 60)]
    owner, manager = setup["staff"][Role.OWNER].email, setup["staff"][Role.MANAGER].email
    assert recipients() == {"dana@whitaker.example": 1, owner: 1, manager: 1}  # not the technician
    client_mail = next(m for m in mail.outbox if m.to == ["dana@whitaker.example"])
    assert client_mail.subject.endswith("renews in 60 days")
    assert "renews automatically" in client_mail.body
    assert client_mail.alternatives[0][1] == "text/html"
    staff_mail = next(m for m in mail.outbox if m.to == [owner])
    assert "$250.00" in staff_mail.body
    assert f"/contracts/agreements/{setup['agreement'].pk}/" in staff_mail.body

    assert run(tenant, date(2026, 4, 1)).reminders == []  # the task runs twice
    assert run(tenant, date(2026, 4, 2)).reminders == []  # and the next day
    assert len(mail.outbox) == 3
    with tenant_scope(tenant):
        assert list(RenewalReminder.objects.values_list("days_before", flat=True)) == [60]


@pytest.mark.django_db
def test_inside_the_notice_window_the_agreement_is_expiring_and_the_next_thresholds_remind_again(
    tenant, setup
):
    run(tenant, date(2026, 4, 1))
    result = run(tenant, date(2026, 5, 1))  # 30 days left: notice window and second threshold
    assert result.expiring == [setup["agreement"].pk]
    assert result.reminders == [(setup["agreement"].pk, 30)]
    run(tenant, date(2026, 5, 24))  # 7 days left
    with tenant_scope(tenant):
        agreement = Agreement.objects.get(pk=setup["agreement"].pk)
        assert agreement.status == S.EXPIRING
        assert sorted(RenewalReminder.objects.values_list("days_before", flat=True)) == [7, 30, 60]
        assert OutboxEvent.objects.filter(name="agreement.expiring").count() == 1
    assert recipients()["dana@whitaker.example"] == 3


@pytest.mark.django_db
def test_a_run_that_starts_late_sends_one_reminder_not_one_per_threshold_passed(tenant, setup):
    assert run(tenant, date(2026, 5, 11)).reminders == [(setup["agreement"].pk, 30)]  # 20 days left
    assert run(tenant, date(2026, 5, 12)).reminders == []
    assert run(tenant, date(2026, 5, 25)).reminders == [(setup["agreement"].pk, 7)]


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once():
    """Run A holds its transaction open in the middle of sending; run B starts and has to wait for it
    (pg_locks shows B waiting), then finds the work done."""
    tenant = TenantFactory()
    staff_of(tenant, Role.OWNER)
    version = service_version(tenant, notice_days=30)
    client, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    agreement = active_agreement(tenant, client, version)
    mail.outbox.clear()

    a_is_sending, b_waited, b_pid, results, errors = threading.Event(), threading.Event(), [], {}, []
    real_send = renewals.send_templated_email

    def send_and_wait_for_b(**kwargs):
        if threading.current_thread().name == "A" and not a_is_sending.is_set():
            a_is_sending.set()
            for _ in range(200):  # up to 10 s: until B waits for one of A's locks
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", b_pid or [0]
                    )
                    if cursor.fetchone()[0]:
                        b_waited.set()
                        break
                threading.Event().wait(0.05)
        return real_send(**kwargs)

    def run_in_thread(name):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                if name == "B":
                    b_pid.append(cursor.fetchone()[0])
            results[name] = run(tenant, date(2026, 5, 1))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    with mock.patch.object(renewals, "send_templated_email", send_and_wait_for_b):
        thread_a = threading.Thread(target=run_in_thread, args=("A",), name="A")
        thread_a.start()
        assert a_is_sending.wait(10)
        thread_b = threading.Thread(target=run_in_thread, args=("B",), name="B")
        thread_b.start()
        thread_a.join(20)
        thread_b.join(20)

    assert errors == []
    assert b_waited.is_set()  # the runs really overlapped
    assert results["A"].reminders == [(agreement.pk, 30)]
    assert results["B"].reminders == []
    assert results["B"].expiring == []
    assert recipients() == {"dana@whitaker.example": 1, tenant_owner_email(tenant): 1}
    with tenant_scope(tenant):
        assert RenewalReminder.objects.count() == 1
        assert Agreement.objects.get(pk=agreement.pk).status == S.EXPIRING


def tenant_owner_email(tenant):
    from tenants.models import StaffMembership

    with tenant_scope(tenant):
        return StaffMembership.objects.select_related("user").get(role=Role.OWNER).user.email


@pytest.mark.django_db
def test_at_the_end_the_same_version_renews_without_a_new_signature(tenant, setup):
    result = run(tenant, date(2026, 6, 1))
    assert result.expired == [setup["agreement"].pk]
    assert len(result.renewed) == 1
    assert mail.outbox == []  # nothing to sign
    with tenant_scope(tenant):
        renewal = Agreement.objects.get(pk=result.renewed[0])
        assert (renewal.status, renewal.starts_on, renewal.ends_on) == (
            S.ACTIVE,
            date(2026, 6, 1),
            date(2027, 5, 31),
        )
        assert (renewal.version_id, renewal.renewed_from_id) == (setup["version"].pk, setup["agreement"].pk)
        plan = agreement_plan(renewal, on=date(2026, 6, 1))  # the membership moved to the renewal
        assert (plan.tier.key, plan.monthly_value) == ("gold", Decimal("250.00"))
        note = renewal.history.get(kind="auto_renewed").details["note"]
        assert "no new signature needed" in note
        assert Agreement.objects.get(pk=setup["agreement"].pk).status == S.EXPIRED
        assert contract_terms(setup["client"]).agreement.pk == renewal.pk  # covered without a gap
    assert run(tenant, date(2026, 6, 1)).renewed == []
    assert run(tenant, date(2026, 6, 2)).renewed == []
    with tenant_scope(tenant):
        assert Agreement.objects.filter(renewed_from=setup["agreement"]).count() == 1


@pytest.mark.django_db
def test_when_the_contract_changed_the_client_is_asked_to_sign_the_new_version_before_the_end(tenant, setup):
    newer = service_version(tenant, number=2, title="Service Agreement 2026", notice_days=30)
    with tenant_scope(tenant):
        assert current_published_version(newer.template).pk == newer.pk
    result = run(tenant, date(2026, 5, 1))  # enters the notice window
    assert len(result.sent_for_signature) == 1
    with tenant_scope(tenant):
        renewal = Agreement.objects.get(pk=result.sent_for_signature[0])
        assert (renewal.status, renewal.version_id, renewal.starts_on) == (S.SENT, newer.pk, date(2026, 6, 1))
        assert renewal.history.filter(kind="renewal_needs_signature").exists()
    invitation = next(m for m in mail.outbox if "please review and sign Service Agreement 2026" in m.subject)
    assert invitation.to == ["dana@whitaker.example"]
    assert "/portal/" in invitation.body

    ended = run(tenant, date(2026, 6, 1))
    assert ended.expired == [setup["agreement"].pk]
    assert ended.renewed == ended.sent_for_signature == []  # the renewal exists already
    with tenant_scope(tenant):
        assert not contract_terms(setup["client"]).has_signed_contract
    with time_machine.travel("2026-06-03 10:00Z", tick=False):
        signed = sign(renewal, "Dana Whitaker")
    assert (signed.status, signed.starts_on, signed.ends_on) == (
        S.ACTIVE,
        date(2026, 6, 1),
        date(2027, 5, 31),
    )


@pytest.mark.django_db
def test_an_agreement_that_does_not_auto_renew_is_announced_as_ending_and_then_just_expires(tenant, setup):
    with tenant_scope(tenant):
        Agreement.objects.filter(pk=setup["agreement"].pk).update(auto_renew=False)
    run(tenant, date(2026, 5, 24))
    client_mail = next(m for m in mail.outbox if m.to == ["dana@whitaker.example"])
    assert client_mail.subject.endswith("ends in 7 days")
    assert "does not renew automatically" in client_mail.body
    result = run(tenant, date(2026, 6, 1))
    assert (result.expired, result.renewed, result.sent_for_signature) == ([setup["agreement"].pk], [], [])


@pytest.mark.django_db
def test_a_signed_agreement_starts_on_its_start_date(tenant, setup):
    later, _ = client_with_signers(tenant, "Okafor Dental Group", "office@okafor.example")
    with time_machine.travel("2026-04-01 10:00Z", tick=False), tenant_scope(tenant):
        agreement = agreements.create_agreement(
            client=later, version=setup["version"], actor="owner@example.com", starts_on=date(2026, 4, 15)
        )
        agreements.mark_sent(agreement, actor="owner@example.com")
        assert agreements.mark_signed(agreement, actor="Office").status == S.SIGNED
    assert run(tenant, date(2026, 4, 14)).activated == []
    assert run(tenant, date(2026, 4, 15)).activated == [agreement.pk]


@pytest.mark.django_db
def test_the_pipeline_groups_agreements_ending_in_30_60_90_days_with_the_fees_at_stake(tenant, setup):
    for name, start, fee in [
        ("Okafor Dental Group", date(2025, 5, 10), "99.00"),  # ends 9 May 2026
        ("Moreau Lake House", date(2025, 7, 20), "400.00"),  # ends 19 July 2026
        ("Lindqvist Penthouse", date(2025, 9, 1), "75.00"),  # ends 31 Aug 2026: beyond 90 days
    ]:
        client, _ = client_with_signers(tenant, name, f"office@{name.split()[0].lower()}.example")
        active_agreement(tenant, client, setup["version"], starts_on=start, monthly_fee=Decimal(fee))
    with time_machine.travel("2026-04-20 10:00Z", tick=False), tenant_scope(tenant):
        buckets = renewals.renewal_pipeline(date(2026, 4, 20))
    summary = [(b.label, [r.agreement.client.name for r in b.rows], b.monthly_total) for b in buckets]
    assert summary == [
        ("Next 30 days", ["Okafor Dental Group"], Decimal("99.00")),
        ("31–60 days", ["Whitaker Residence"], Decimal("250.00")),
        ("61–90 days", ["Moreau Lake House"], Decimal("400.00")),
    ]
    assert (buckets[1].rows[0].outlook_kind, buckets[1].rows[0].outlook) == ("auto_renews", "Auto-renews")


def test_every_outlook_of_the_pipeline_has_its_own_colour():
    assert set(RENEWAL_OUTLOOK_BADGES) == set(renewals.OUTLOOKS)
    assert renewal_outlook_badge("ends") == "text-bg-danger"


@pytest.mark.django_db
def test_the_daily_beat_task_runs_each_active_tenant_in_its_own_scope(tenant, setup):
    assert (
        settings.CELERY_BEAT_SCHEDULE["contracts-daily-run"]["task"] == "contracts.tasks.run_daily_contracts"
    )
    TenantFactory(is_active=False)
    with mock.patch.object(run_contracts_for_tenant, "delay") as queued:
        assert run_daily_contracts() == 1
    queued.assert_called_once_with(tenant_id=tenant.pk)
    with time_machine.travel("2026-04-01 12:00Z", tick=False):
        outcome = run_contracts_for_tenant.apply(kwargs={"tenant_id": tenant.pk}).get()
    assert outcome["renewal_reminders"] == 1
