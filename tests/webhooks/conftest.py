import pytest

from tests.factories import ClientFactory, sla_desk
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    """A partner's receiver on 127.0.0.1 answering 200 (set ``receiver.answers`` to script it)."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def private_urls_allowed(settings):
    """As in development: the local receiver may be registered and sent to."""
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = True


@pytest.fixture
def desk(tenant):
    """A tenant with SLA targets and a client, committed (tests/factories.py: sla_desk)."""
    return {**sla_desk(tenant), "client": ClientFactory(tenant=tenant, name="Whitaker Residence")}
