from datetime import timedelta

import defusedxml.ElementTree as ET

from newsfeed.logic.site.sitemap import NEWS_NS, SITEMAP_NS, render_news_sitemap, render_robots
from tests.support.factories import EPOCH, SITE, article


def test_only_the_last_two_days_and_at_most_1000() -> None:
    now = EPOCH
    cards = [article(n, published_at=now - timedelta(hours=n)).card() for n in range(0, 60, 6)]  # 0..54 h old
    root = ET.fromstring(render_news_sitemap(SITE, cards, now))
    locs = [e.text for e in root.iter(f"{{{SITEMAP_NS}}}loc")]
    assert len(locs) == 9  # 0, 6, ..., 48 hours old; 54 is out
    assert locs[0] == cards[0].model_dump()["slug"].join(["https://kazpost.example/articles/", ""])
    news = root.find(f"{{{SITEMAP_NS}}}url/{{{NEWS_NS}}}news")
    assert news is not None
    assert news.findtext(f"{{{NEWS_NS}}}publication/{{{NEWS_NS}}}name") == "KazPost"
    assert news.findtext(f"{{{NEWS_NS}}}publication_date") == "2024-03-29T04:00:00.000Z"
    many = [article(n, published_at=now - timedelta(seconds=n)).card() for n in range(1100)]
    assert len(list(ET.fromstring(render_news_sitemap(SITE, many, now)).iter(f"{{{SITEMAP_NS}}}url"))) == 1000


def test_robots_points_to_the_sitemap() -> None:
    assert b"Sitemap: https://feeds.kazpost.example/sitemaps/news.xml" in render_robots(SITE)
