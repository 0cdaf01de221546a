from unittest import mock

import pytest
from celery import shared_task
from django.db import connection, transaction

from clients.models import Client
from tenants.tasks import TenantTask, enqueue_for_tenant
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@shared_task(base=TenantTask)
def names_of_clients_seen():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.tenant_id', true)")
        setting = cursor.fetchone()[0]
    return setting, sorted(Client.objects.values_list("name", flat=True))


def test_a_tenant_task_runs_inside_its_tenant(tenant, other_tenant):
    ClientFactory(tenant=tenant, name="Ours")
    ClientFactory(tenant=other_tenant, name="Theirs")
    setting, names = names_of_clients_seen.apply(kwargs={"tenant_id": tenant.pk}).get()
    assert (setting, names) == (str(tenant.pk), ["Ours"])


def test_a_tenant_task_leaves_no_tenant_set_on_the_connection(tenant):
    names_of_clients_seen.apply(kwargs={"tenant_id": tenant.pk}).get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(current_setting('app.tenant_id', true), '')")
        assert cursor.fetchone()[0] == ""


def test_a_tenant_task_needs_a_tenant_id():
    with pytest.raises(TypeError):
        names_of_clients_seen.apply(throw=True).get()


def test_tasks_are_queued_only_once_the_transaction_commits(tenant, django_capture_on_commit_callbacks):
    with mock.patch.object(names_of_clients_seen, "apply_async") as sent:
        with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
            enqueue_for_tenant(names_of_clients_seen, tenant)
        assert not sent.called
        assert len(callbacks) == 1
        callbacks[0]()
    sent.assert_called_once_with((), {"tenant_id": tenant.pk})
