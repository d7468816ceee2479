"""What tells crawlers and browsers about the site: the Google News sitemap (articles of the last two days),
the robots.txt that points to it (and keeps search results out of crawlers' indexes), and the OpenSearch
description that lets a browser search the site from its address bar."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timedelta

from newsfeed.logic.site.paths import FAVICON, OPENSEARCH, OPENSEARCH_TYPE, SEARCH_PAGE, search_url
from newsfeed.models import limits
from newsfeed.models.article import ArticleCard
from newsfeed.models.site import Site
from newsfeed.models.text import format_utc

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP_PATH = "sitemaps/news.xml"
ROBOTS_PATH = "robots.txt"
WINDOW = timedelta(days=limits.NEWS_SITEMAP_DAYS)
MAX_URLS = limits.NEWS_SITEMAP_ARTICLES

ET.register_namespace("", SITEMAP_NS)
ET.register_namespace("news", NEWS_NS)


def window_start(now: datetime) -> datetime:
    return now - WINDOW


def render_news_sitemap(site: Site, cards: Sequence[ArticleCard], now: datetime) -> bytes:
    """`cards` newest first; those older than two days before `now` are left out, and at most 1,000 kept."""
    start = window_start(now)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    # An article whose canonical page is elsewhere is that page's to list (a sitemap names canonical URLs).
    ours = [c for c in cards if start <= c.published_at <= now and not c.canonical_url]
    for card in ours[:MAX_URLS]:
        url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = site.article_url(card.slug)
        news = ET.SubElement(url, f"{{{NEWS_NS}}}news")
        publication = ET.SubElement(news, f"{{{NEWS_NS}}}publication")
        ET.SubElement(publication, f"{{{NEWS_NS}}}name").text = site.name
        ET.SubElement(publication, f"{{{NEWS_NS}}}language").text = card.language.split("-")[0]
        ET.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = format_utc(card.published_at)
        ET.SubElement(news, f"{{{NEWS_NS}}}title").text = card.title
    document: bytes = ET.tostring(urlset, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def render_robots(site: Site) -> bytes:
    rules = f"User-agent: *\nAllow: /\nDisallow: /{SEARCH_PAGE}\n"
    return f"{rules}\nSitemap: {site.public_url(SITEMAP_PATH)}\n".encode()


OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
SHORT_NAME_CHARS = 16  # the OpenSearch 1.1 limit on ShortName


def render_opensearch(site: Site) -> bytes:
    """The OpenSearch 1.1 description of the site's search page (its namespace declared on the root by
    hand: `ET.register_namespace` is global, and the sitemap's owns the default prefix)."""
    root = ET.Element("OpenSearchDescription", xmlns=OPENSEARCH_NS)
    ET.SubElement(root, "ShortName").text = site.name[:SHORT_NAME_CHARS]
    ET.SubElement(root, "Description").text = site.description or site.name
    ET.SubElement(root, "InputEncoding").text = "UTF-8"
    ET.SubElement(root, "Image", width="64", height="64", type="image/png").text = f"{site.url}/{FAVICON}"
    ET.SubElement(root, "Url", type="text/html", template=f"{search_url(site)}?q={{searchTerms}}")
    ET.SubElement(root, "Url", type=OPENSEARCH_TYPE, rel="self", template=f"{site.url}/{OPENSEARCH}")
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
