import pytest

from tests.factories import ClientFactory, sla_desk


@pytest.fixture
def desk(tenant):
    """A tenant whose unsigned clients get: first response 1 h (24/7), on-site 4 business hours and
    resolution 8 business hours (Mon-Fri 08:00-17:00 New York, US holidays); waiting on client pauses.
    Committed outside the scope, so other connections (threads, workers) see it."""
    return {**sla_desk(tenant), "client": ClientFactory(tenant=tenant)}
