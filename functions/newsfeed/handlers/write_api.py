"""Write routes of the HTTP API (IAM-authorised, payload v2) -> the write app, through Mangum."""

from __future__ import annotations

from mangum import Mangum

from newsfeed.api.write import create_write_app
from newsfeed.config import get_settings
from newsfeed.dal.articles import ArticleStore
from newsfeed.dal.uploads import UploadBucket

settings = get_settings()
app = create_write_app(ArticleStore(settings.content_table), UploadBucket(settings.uploads_bucket))
handler = Mangum(app, lifespan="off")
