"""A photo sent with an article, as readers, aggregators and search engines get it: every format at every
width on the page with its size (no layout shift), the right crop where it is shared, the right rendition
with its size in every feed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import defusedxml.ElementTree as ET
import feedparser
import jsonschema

from newsfeed.logic.site.feeds import Document, render_feed
from newsfeed.logic.site.pages import render_article_page, render_scope_page
from newsfeed.logic.site.paths import FeedFormat
from newsfeed.models import limits
from newsfeed.models.article import Image
from newsfeed.models.photo import Crop, Rendition
from newsfeed.models.scope import SITE as SITE_SCOPE
from tests.support.factories import SITE, article

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "jsonfeed-1.1.schema.json").read_text())
FOLDER = "/images/0123456789abcdef01234567"
TYPES = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg"}


def photo_image(width: int = 1600, height: int = 1200) -> Image:
    widths = [w for w in limits.PHOTO_WIDTHS if w < width] + [min(width, limits.PHOTO_WIDTHS[-1])]
    renditions = [
        Rendition(url=f"{FOLDER}/w{w}.{ext}", width=w, height=round(w * height / width), type=kind)
        for w in widths
        for ext, kind in TYPES.items()
    ]
    crops = [
        Crop(name=name, url=f"{FOLDER}/{name}-50-50.jpg", width=w, height=h, type="image/jpeg")
        for name, w, h in limits.PHOTO_CROPS
    ]
    return Image(
        url=f"{FOLDER}/w{widths[-1]}.jpg",
        alt="A ferry & its wake",
        caption="The first crossing",
        credit="Aida Nurlan",
        width=width,
        height=height,
        renditions=renditions,
        crops=crops,
    )


STORY = article(1, title="Ferry route reopens", image=photo_image())


def test_the_article_page_offers_every_format_at_every_width_with_its_size() -> None:
    page = render_article_page(SITE, STORY).decode()
    figure = page[page.index("<figure>") : page.index("</figure>")]
    for ext, kind in (("avif", "image/avif"), ("webp", "image/webp")):
        srcset = ", ".join(f"{SITE.url}{FOLDER}/w{w}.{ext} {w}w" for w in (480, 800, 1200, 1600))
        assert f'<source type="{kind}" srcset="{srcset}"' in figure
    img = re.search(r"<img [^>]*>", figure)
    assert img is not None
    assert 'width="1600" height="1200"' in img[0]  # the page keeps the photo's place before it loads
    assert 'fetchpriority="high"' in img[0] and "loading=" not in img[0]  # the lead photo comes first
    assert f'src="{SITE.url}{FOLDER}/w1600.jpg"' in img[0] and 'alt="A ferry &amp; its wake"' in img[0]
    assert "The first crossing" in figure and "Photo: Aida Nurlan" in figure


def test_shares_and_search_engines_get_the_crops_they_ask_for() -> None:
    page = render_article_page(SITE, STORY).decode()
    assert f'<meta property="og:image" content="{SITE.url}{FOLDER}/og-50-50.jpg">' in page
    assert '<meta property="og:image:width" content="1200">' in page
    assert '<meta property="og:image:height" content="630">' in page
    assert f'<meta name="twitter:image" content="{SITE.url}{FOLDER}/og-50-50.jpg">' in page
    data = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[0])
    images = data["image"]
    assert [(i["width"], i["height"]) for i in images] == [(1200, 675), (1200, 900), (1200, 1200)]
    assert all(i["url"].startswith(SITE.url) for i in images)


def test_a_front_page_leads_with_its_newest_story_and_its_photo_then_lazy_thumbnails() -> None:
    older = article(2, title="Budget passes", section="Economy", image=photo_image(800, 600))
    page = render_scope_page(SITE, SITE_SCOPE, [older.card(), STORY.card()]).decode()
    lead, thumbnail = re.findall(r"<img [^>]*>", page)
    assert 'fetchpriority="high"' in lead and "38rem" in lead and 'width="1600" height="1200"' in lead
    assert (
        'loading="lazy"' in thumbnail
        and 'sizes="8rem"' in thumbnail
        and 'width="800" height="600"' in thumbnail
    )
    assert '<li class="card lead">' in page and page.index("Ferry route reopens") < page.index(
        "Budget passes"
    )
    nav = page[page.index('<nav class="sections"') : page.index("</nav>")]
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav) == [
        (f"{SITE.url}/sections/kazakhstan-news", "Kazakhstan News"),
        (f"{SITE.url}/sections/economy", "Economy"),
    ]
    archive = render_scope_page(SITE, SITE_SCOPE, [older.card(), STORY.card()], page=3).decode()
    assert "card lead" not in archive and 'class="sections"' not in archive and "fetchpriority" not in archive


def test_feeds_carry_a_1200_pixel_rendition_with_its_size_and_credit() -> None:
    rss = render_feed(SITE, Document(SITE_SCOPE, FeedFormat.RSS), [STORY]).body
    parsed = feedparser.parse(rss)
    assert not parsed.bozo
    media = parsed.entries[0].media_content[0]
    assert media == {
        "url": f"{SITE.url}{FOLDER}/w1200.jpg",
        "medium": "image",
        "type": "image/jpeg",
        "width": "1200",
        "height": "900",
    }
    assert parsed.entries[0].media_credit[0]["content"] == "Aida Nurlan"
    content = parsed.entries[0].content[0].value
    assert content.startswith("<figure><img ")  # the photo first, for readers without Media RSS
    assert f'src="{SITE.url}{FOLDER}/w1200.jpg"' in content and 'height="900"' in content
    assert "<figcaption>The first crossing (Aida Nurlan)</figcaption></figure><p>Body" in content
    atom = feedparser.parse(render_feed(SITE, Document(SITE_SCOPE, FeedFormat.ATOM), [STORY]).body)
    assert not atom.bozo and atom.entries[0].media_content[0]["url"].endswith("/w1200.jpg")
    feed = json.loads(render_feed(SITE, Document(SITE_SCOPE, FeedFormat.JSON), [STORY]).body)
    jsonschema.validate(feed, SCHEMA)
    assert feed["items"][0]["image"] == f"{SITE.url}{FOLDER}/w1200.jpg"
    assert feed["items"][0]["banner_image"] == f"{SITE.url}{FOLDER}/og-50-50.jpg"


def test_a_small_photo_is_never_shown_larger_than_it_is() -> None:
    small = article(2, title="Small photo", image=photo_image(640, 480))
    rss = feedparser.parse(render_feed(SITE, Document(SITE_SCOPE, FeedFormat.RSS), [small]).body)
    assert rss.entries[0].media_content[0]["width"] == "640"  # its widest, not a stretched 1200
    page = render_article_page(SITE, small).decode()
    assert 'width="640" height="480"' in page and "w800" not in page


def test_every_feed_carries_the_publications_icon_in_a_format_readers_take() -> None:
    from PIL import Image as Picture

    from newsfeed.logic.site import THEME
    from newsfeed.logic.site.paths import ICON_SIZES

    for path, size in ICON_SIZES.items():
        with Picture.open(THEME / path) as shown:
            assert (shown.format, shown.size) == ("PNG", (size, size))
    rss = feedparser.parse(render_feed(SITE, Document(SITE_SCOPE, FeedFormat.RSS), [STORY]).body)
    assert rss.feed.image["href"] == f"{SITE.feeds_url}/icon-144.png" and rss.feed.image["width"] == 144
    atom = feedparser.parse(render_feed(SITE, Document(SITE_SCOPE, FeedFormat.ATOM), [STORY]).body)
    assert (
        atom.feed.icon == f"{SITE.feeds_url}/icon-64.png"
        and atom.feed.logo == f"{SITE.feeds_url}/icon-512.png"
    )
    feed = json.loads(render_feed(SITE, Document(SITE_SCOPE, FeedFormat.JSON), [STORY]).body)
    assert (feed["icon"], feed["favicon"]) == (
        f"{SITE.feeds_url}/icon-512.png",
        f"{SITE.feeds_url}/icon-64.png",
    )
    page = render_article_page(SITE, STORY).decode()
    data = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[0])
    assert data["publisher"]["logo"] == {
        "@type": "ImageObject",
        "url": f"{SITE.url}/icon-512.png",
        "width": 512,
        "height": 512,
    }


# What the W3C Feed Validator (src/feedvalidator/media.py, rss.py) checks of Media RSS and of an RSS image:
# it cannot run here (no network), so its rules are checked as it states them.
MEDIA_CONTENT_ATTRIBUTES = {
    *("bitrate", "channels", "duration", "expression", "fileSize", "framerate", "height"),
    *("isDefault", "lang", "medium", "samplingrate", "type", "url", "width"),
}


def test_the_feeds_media_elements_keep_the_rules_the_w3c_validator_checks() -> None:
    media = "{http://search.yahoo.com/mrss/}"
    credited = article(
        2, title="Credited", image=photo_image().model_copy(update={"caption": "<b>not bold</b>"})
    )
    for fmt in (FeedFormat.RSS, FeedFormat.ATOM):
        root = ET.fromstring(render_feed(SITE, Document(SITE_SCOPE, fmt), [STORY, credited]).body)
        contents = list(root.iter(f"{media}content"))
        assert len(contents) == 2
        for content in contents:
            assert set(content.attrib) <= MEDIA_CONTENT_ATTRIBUTES
            assert content.attrib["url"].startswith("https://") and content.attrib["medium"] == "image"
            assert int(content.attrib["width"]) > 0 and int(content.attrib["height"]) > 0
            assert {child.tag for child in content} <= {f"{media}description", f"{media}credit"}
            for description in content.iter(f"{media}description"):
                assert description.attrib == {"type": "plain"}  # its text is text: "<b>" is shown, not bold
            for credit in content.iter(f"{media}credit"):
                assert credit.attrib.get("role", "photographer") == "photographer" and credit.text
    channel = ET.fromstring(render_feed(SITE, Document(SITE_SCOPE, FeedFormat.RSS), [STORY]).body)[0]
    image = channel.find("image")
    assert image is not None
    assert int(image.findtext("width", "")) <= 144 and int(image.findtext("height", "")) <= 400
    assert (image.findtext("title"), image.findtext("link")) == (
        channel.findtext("title"),
        channel.findtext("link"),
    )


def dynamodb_size(value: object) -> int:
    """An item's size as DynamoDB counts it (its documentation's rules, rounded up): names and strings in
    UTF-8 bytes, a number about one byte per two digits and one more, 3 bytes per list or map and one per
    element."""
    if isinstance(value, dict):
        return 3 + sum(len(k.encode()) + dynamodb_size(v) + 1 for k, v in value.items())
    if isinstance(value, list):
        return 3 + sum(dynamodb_size(v) + 1 for v in value)
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float):
        return len(str(value)) // 2 + 2
    return len(str(value).encode())


def test_an_article_at_every_limit_with_its_photos_fits_in_one_dynamodb_item() -> None:
    """The largest article an editor can store: a body at its limit showing the most photos, a lead photo
    and a full related list of articles with photos, every text at its limit."""
    from newsfeed.models.article import RelatedCard

    words = "w" * limits.MAX_IMAGE_TEXT_CHARS
    photo = photo_image(4000, 3000).model_copy(update={"alt": words, "caption": words, "credit": words})
    tags = [f"tag number {n} " + "t" * 80 for n in range(limits.MAX_TAGS)]
    texts = {"title": "t" * limits.MAX_TITLE_CHARS, "summary": "s" * limits.MAX_SUMMARY_CHARS, "tags": tags}
    card = article(3, image=photo, **texts).card()
    grown = limits.MAX_BODY_PHOTOS * len(f' width="4000" height="3000" loading="lazy"{FOLDER}/w2000.jpg')
    largest = article(
        4,
        image=photo,
        body="b" * (limits.MAX_BODY_HTML_BYTES + grown),
        body_images=[photo_image(4000, 3000).model_copy(update={"crops": [], "alt": ""})]
        * limits.MAX_BODY_PHOTOS,
        related=[RelatedCard(**card.model_dump(), score=0.5)] * limits.RELATED_STORED,
        **texts,
    )
    size = dynamodb_size(largest.model_dump(mode="json"))
    assert size < 390 * 1024, f"{size:,} bytes"  # DynamoDB's limit is 400 KB


def test_a_body_photo_is_a_picture_on_the_page_with_its_alt_text_as_text() -> None:
    image = photo_image().model_copy(update={"crops": [], "alt": ""})
    hostile = "&quot; onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
    body = (
        f'<p><img src="{image.url}" width="1600" height="1200" loading="lazy" alt="{hostile}"></p>'
        '<p><img src="https://photos.example/a.jpg" alt="elsewhere"></p>'
    )
    page = render_article_page(SITE, article(5, body=body, body_images=[image])).decode()
    shown = page[page.index('<div class="body">') :]
    pictured = re.search(r"<picture>.*?</picture>", shown)
    assert pictured is not None and '<source type="image/avif"' in pictured[0]
    assert 'alt="&#34; onerror=&#34;alert(1)&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in pictured[0]
    assert "<script>alert" not in page and " onerror=" not in page.replace("&#34; onerror=", "")
    assert '<img src="https://photos.example/a.jpg" alt="elsewhere">' in shown  # not a photo sent with it
