"""The fediverse's requests (API Gateway HTTP API, payload v2, under /fediverse) -> the fediverse app, through
Mangum: discovery, actors, articles as objects, and the inboxes."""

from __future__ import annotations

from mangum import Mangum

from newsfeed.api.fediverse import FediverseSide, create_fediverse_app
from newsfeed.config import get_settings
from newsfeed.dal.federation import DeliveryQueue, FollowerStore, RemoteKeys, SeenSignatures
from newsfeed.handlers import actor_private_key
from newsfeed.models.fediverse import Fediverse

settings = get_settings()


def _side() -> FediverseSide:
    from newsfeed.dal.content import ContentTable

    table = ContentTable(settings.content_table)
    return FediverseSide(
        fediverse=Fediverse(settings.site, settings.actor_name),
        lists=table.lists,
        article_by_id=table.articles.article_by_id,
        followers=FollowerStore(settings.content_table, table.client),
        keys=RemoteKeys(settings.content_table, settings.fediverse_private_peers, table.client),
        seen=SeenSignatures(settings.content_table, table.client),
        private_key=actor_private_key,
        deliveries=DeliveryQueue(settings.delivery_queue_url) if settings.delivery_queue_url else None,
    )


app = create_fediverse_app(_side)
handler = Mangum(app, lifespan="off")
