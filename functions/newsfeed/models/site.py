"""The publication, as feeds and API responses present it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ARTICLES = "articles"  # an article is at articles/<slug>: its page on the site, its answer in the API


def article_path(slug: str) -> str:
    """Where the article with `slug` is, under the site's URL and under the API's."""
    return f"{ARTICLES}/{slug}"


@dataclass(frozen=True)
class Site:
    """The publication: its name, where its pages and feeds are, the hubs its feeds name."""

    name: str
    url: str  # the publication's website, no trailing slash
    description: str
    language: str
    feeds_url: str  # where the public bucket is served (CloudFront), no trailing slash
    hubs: tuple[str, ...] = ()  # WebSub hubs the feeds name and ping
    fediverse_name: str = ""  # its actor's name on the fediverse (@<name>@<its host>); "": pages name none
    image_url: str = (
        ""  # a wide picture of it (the header of its fediverse profiles), absolute or a site path
    )

    def article_url(self, slug: str) -> str:
        """The article's page on the site: what the API, feeds, sitemap and webhooks link to. An article's
        `canonical_url` (where it first appeared, elsewhere) is named beside it, never instead of it."""
        return f"{self.url}/{article_path(slug)}"

    def absolute(self, url: str) -> str:
        """A site-relative path ('/images/a.jpg') made absolute; absolute URLs pass through."""
        return f"{self.url}{url}" if url.startswith("/") else url

    def absolute_image(self, image: dict[str, Any]) -> dict[str, Any]:
        """A stored image, as JSON has it, with every address absolute (its renditions' and crops' too)."""
        answer = {**image, "url": self.absolute(image["url"])}
        for files in ("renditions", "crops"):
            if files in image:
                answer[files] = [{**file, "url": self.absolute(file["url"])} for file in image[files]]
        return answer

    def public_url(self, path: str) -> str:
        return f"{self.feeds_url}/{path}"
