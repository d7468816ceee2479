"""HTTP API (API Gateway HTTP API, payload v2) -> the ASGI app, through Mangum."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mangum import Mangum

from newsfeed.api.app import create_app
from newsfeed.config import get_settings
from newsfeed.dal.stored import StoredArticles

if TYPE_CHECKING:
    from newsfeed.api.read import ContentReader

settings = get_settings()


def _content() -> ContentReader:
    from newsfeed.dal.content import ContentTable  # with the list endpoints, on the first list asked for

    return ContentTable(settings.content_table)


app = create_app(settings.site, StoredArticles(settings.content_table), _content)
handler = Mangum(app, lifespan="off")
