"""HTTP API (API Gateway HTTP API, payload v2) -> the ASGI app, through Mangum."""

from __future__ import annotations

from mangum import Mangum

from newsfeed.api.app import create_app
from newsfeed.config import get_settings
from newsfeed.dal.lists import ListStore

settings = get_settings()
app = create_app(ListStore(settings.content_table), settings.site)
handler = Mangum(app, lifespan="off")
