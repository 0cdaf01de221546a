"""The webhooks app's place on the event bus (imported by WebhooksConfig.ready): every event a partner
may receive is fanned out to the endpoints that want it. The bus runs this once per event, in the
event's tenant, in the transaction that marks the event done for this consumer; the HTTP requests are
made after that commit, by ``webhooks.delivery``, never inside the bus's transaction."""

from events.bus import subscribe
from webhooks import services

# Only a tenant with an endpoint (enabled or not) listing the event's type gets a delivery from the
# SLA sweeper's outbox: for any other, ``fan_out`` would find no endpoint. An endpoint receives the events
# that happen once it exists; one registered after the sweeper's statement read the endpoints is not sent
# that pass's events (with a delivery row it might have been, had it committed before the dispatcher ran).
# A disabled endpoint counts, so re-enabling it before the dispatcher runs behaves as before.
WANTED_WHERE = """EXISTS (
    SELECT 1 FROM webhooks_webhookendpoint endpoint
    WHERE endpoint.tenant_id = outbox.tenant_id AND outbox.name = ANY (endpoint.events)
)"""


@subscribe(
    "webhooks",
    "ticket.*",
    "sla.*",
    "agreement.*",
    "client.created",
    "subscription.changed",
    "invoice.issued",
    "invoice.paid",
    "invoice.disputed",
    "dispute.resolved",
    "reward.granted",
    wanted_where=WANTED_WHERE,
)
def fan_out_to_endpoints(event, *, now):
    services.fan_out(event, now=now)
