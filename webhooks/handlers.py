"""The webhooks app's place on the event bus (imported by WebhooksConfig.ready): every event a partner
may receive is fanned out to the endpoints that want it. The bus runs this once per event, in the
event's tenant, in the transaction that marks the event done for this consumer; the HTTP requests are
made after that commit, by ``webhooks.delivery``, never inside the bus's transaction."""

from events.bus import subscribe
from webhooks import services


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
)
def fan_out_to_endpoints(event, *, now):
    services.fan_out(event, now=now)
