"""Nothing let in: broken, oversized and malicious uploads through the real pipeline (S3 -> SQS -> ingest).

Each refused upload gets a rejection report naming what is wrong, writes nothing else, and leaves the
function able to take the next upload. Hostile HTML that is allowed through comes out inert.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree

from newsfeed.logic.html import sanitize
from newsfeed.logic.parsing import parse_upload
from newsfeed.models.upload import UploadRejected
from tests.support.factories import markdown
from tests.support.inert import active_content
from tests.support.moto import Stack

XSS_VECTORS = [
    line
    for line in (Path(__file__).parent.parent / "data" / "xss-vectors.txt").read_text().splitlines()
    if line and not line.startswith("#")
]
GOOD_FRONT = "---\ntitle: A perfectly good story\nsection: World\n"


def md(front: str = "", body: str = "A body.") -> bytes:
    return f"{GOOD_FRONT}{front}---\n{body}\n".encode()


def billion_laughs() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    return ("---\ntitle: Laughs\nsection: World\n" + "\n".join(lines) + "\n---\nbody\n").encode()


# (case, file name, bytes, the field the report must name, words its message must contain)
REFUSED: list[tuple[str, str, bytes, str, str]] = [
    ("no title", "a.md", b"---\nsection: World\n---\nbody\n", "title", "required"),
    ("title of the wrong type", "a.md", md("subtitle: [1, 2]\n"), "subtitle", "string"),
    ("tags of the wrong type", "a.md", md("tags: {a: b}\n"), "tags", ""),
    ("JSON title of the wrong type", "a.json", b'{"title": 5, "section": "World", "body": "x"}', "title", ""),
    (
        "10,000-character title",
        "a.md",
        md().replace(b"A perfectly good story", b"x" * 10_000),
        "title",
        "300",
    ),
    ("NUL byte", "a.md", md(body="before\x00after"), "file", "U+0000"),
    ("escape character", "a.md", md().replace(b"good", b"go\x1bod"), "file", "U+001B"),
    ("right-to-left override", "a.md", md(body="evil\u202egnp.exe"), "file", "U+202E"),
    ("byte-order mark mid-file", "a.md", md(body="one\ufefftwo"), "file", "U+FEFF"),
    ("invalid UTF-8", "a.md", md() + b"\xc3\x28", "file", "not UTF-8"),
    ("Latin-1 file", "a.md", "---\ntitle: Café\nsection: World\n---\nx\n".encode("latin-1"), "file", "UTF-8"),
    ("YAML alias bomb", "a.md", billion_laughs(), "front_matter", "aliases"),
    ("python tag", "a.md", md("subtitle: !!python/object/apply:os.system [id]\n"), "front_matter", ""),
    ("python name tag", "a.md", md("subtitle: !!python/name:os.system\n"), "front_matter", ""),
    ("deep YAML nesting", "a.md", md("x: " + "[" * 5000 + "]" * 5000 + "\n"), "front_matter", ""),
    (
        "deep JSON nesting",
        "a.json",
        b'{"title": "t", "section": "World", "body": ' + b"[" * 100_000,
        "file",
        "",
    ),
    ("slug ../", "a.md", md("slug: ../../etc/passwd\n"), "slug", ""),
    ("slug %2e%2e", "a.md", md("slug: '%2e%2e'\n"), "slug", ""),
    ("slug //", "a.md", md("slug: a//b\n"), "slug", ""),
    ("slug backslash", "a.md", md("slug: 'a\\\\b'\n"), "slug", ""),
    ("look-alike Cyrillic slug", "a.md", md("slug: аpple\n"), "slug", ""),
    ("full-width slug", "a.md", md("slug: ｓｌｕｇ\n"), "slug", ""),
    (
        "date without a time zone",
        "a.md",
        md("published_at: 2024-03-29T10:00:00\n"),
        "published_at",
        "time zone",
    ),
    ("date without a time", "a.md", md("published_at: 2024-03-29\n"), "published_at", "time zone"),
    ("30 February", "a.md", md("published_at: 2024-02-30T10:00:00+05:00\n"), "published_at", "calendar"),
    ("month 13", "a.md", md("published_at: 2024-13-01T10:00:00+05:00\n"), "published_at", "calendar"),
    ("leap second", "a.md", md("published_at: 2024-06-30T23:59:60Z\n"), "published_at", "leap second"),
    ("year 1", "a.md", md("published_at: 0001-01-01T00:00:00+05:00\n"), "published_at", "1800-01-01"),
    ("year 9999", "a.md", md("updated_at: 9999-12-31T23:59:59-05:00\n"), "updated_at", "2999-12-31"),
    (
        "JSON year 1",
        "a.json",
        b'{"title": "t", "section": "World", "body": "x", "published_at": "0001-01-01T00:00:00+05:00"}',
        "published_at",
        "outside",
    ),
    (
        "JSON date as a number",
        "a.json",
        b'{"title": "t", "section": "World", "body": "x", "published_at": 1711706400}',
        "published_at",
        "as text",
    ),
    ("binary title", "a.md", md("subtitle: !!binary aGVsbG8=\n"), "front_matter", "!!binary"),
    ("set", "a.md", md("tags: !!set {a, b}\n"), "front_matter", "!!set"),
    ("ordered map", "a.md", md("image: !!omap [url: /a.jpg]\n"), "front_matter", "!!omap"),
    ("explicit string tag", "a.md", md("subtitle: !!str 5\n"), "front_matter", "!!str"),
    ("unhashable key", "a.md", md("? [a, b]\n: c\n"), "front_matter", "unhashable"),
    (
        "emoji-only section",
        "a.md",
        b'---\ntitle: Fire\nsection: "\\U0001F525"\n---\nx\n',
        "section",
        "letter",
    ),
    ("emoji-only tag", "a.md", md('tags: [Economy, "\\u2728"]\n'), "tags.1", "letter"),
    ("punctuation-only author", "a.md", md("authors: ['...']\n"), "authors.0", "letter"),
    ("unknown field", "a.md", md("titel: typo\n"), "titel", "not an article field"),
    ("no front matter", "a.md", b"just some text\n", "front_matter", ""),
    ("empty file", "a.md", b"", "front_matter", ""),
    ("JSON array", "a.json", b"[1, 2, 3]", "file", "JSON object"),
    ("body only markup", "a.md", md(body="<script>alert(1)</script>"), "body", ""),
]


def report(stack: Stack, key: str) -> dict[str, Any]:
    body = stack.s3.get_object(Bucket=stack.uploads, Key=f"rejected/{key}.json")["Body"].read()
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def content_items(stack: Stack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = stack.dynamodb.scan(TableName=stack.table)["Items"]
    return items


def public_files(stack: Stack) -> list[str]:
    return [o["Key"] for o in stack.s3.list_objects_v2(Bucket=stack.public).get("Contents", [])]


@pytest.mark.parametrize(
    ("name", "data", "field", "words"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_a_bad_upload_is_reported_writes_nothing_and_the_next_one_works(
    stack: Stack, name: str, data: bytes, field: str, words: str
) -> None:
    stack.put(name, data)
    stack.drain()
    problems = report(stack, f"inbox/{name}")["problems"]
    assert problems, "a rejection report names at least one problem"
    assert problems[0]["field"] == field, problems
    assert words in problems[0]["message"], problems
    assert all(p["message"].strip() for p in problems)
    assert content_items(stack) == []
    assert public_files(stack) == []

    stack.put("next.md", markdown("The next upload still works"))
    stack.drain()
    assert any(item["sk"]["S"] == "article" for item in content_items(stack))


def test_an_upload_over_the_size_limit_is_refused_before_download(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsfeed.dal import uploads

    def no_download(*_: Any) -> bytes:
        raise AssertionError("an oversized upload must not be downloaded")

    monkeypatch.setattr(uploads.UploadBucket, "read", no_download)
    stack.put("huge.md", md(body="word " * 60_000))
    stack.drain()
    problem = report(stack, "inbox/huge.md")["problems"][0]
    assert problem["field"] == "file" and "limit" in problem["message"]
    assert content_items(stack) == []


def test_a_leading_byte_order_mark_is_dropped_not_refused(stack: Stack) -> None:
    """Windows editors start UTF-8 files with a BOM; it is an encoding marker, not content."""
    stack.put("bom.md", b"\xef\xbb\xbf" + md())
    stack.drain()
    titles = [item["title"]["S"] for item in content_items(stack) if item["sk"]["S"] == "article"]
    assert titles == ["A perfectly good story"]


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_every_xss_vector_comes_out_inert(stack: Stack, fmt: str) -> None:
    body = "\n\n".join(f"<p>vector {n}</p>\n\n{vector}" for n, vector in enumerate(XSS_VECTORS))
    if fmt == "json":
        stack.put("xss.json", json.dumps({"title": "Vectors", "section": "World", "body": body}))
    else:
        stack.put("xss.md", md(body=body))
    stack.drain()
    stored = next(item for item in content_items(stack) if item["sk"]["S"] == "article")["body"]["S"]
    assert active_content(stored) == []
    assert (
        sanitize(stored) == stored
    )  # a fixed point: nothing left for a second pass (or a browser) to mutate
    assert "vector 0" in stored  # (an unclosed vector may swallow what follows it, as browsers would)
    for path in public_files(stack):
        for fragment in html_in(path, stack.s3.get_object(Bucket=stack.public, Key=path)["Body"].read()):
            assert active_content(fragment) == [], path


def html_in(path: str, data: bytes) -> list[str]:
    """Every HTML fragment a reader of this public file would render."""
    if path.endswith(".json"):
        return [item.get("content_html", "") for item in json.loads(data).get("items", [])]
    if not path.endswith(".xml"):
        return []
    html_elements = {"description", "{http://purl.org/rss/1.0/modules/content/}encoded"}  # RSS
    return [
        element.text or ""
        for element in ElementTree.fromstring(data).iter()
        if element.tag in html_elements or element.get("type") == "html"  # Atom's type="html" text
    ]


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_each_xss_vector_alone_is_inert_and_a_fixed_point(vector: str) -> None:
    """Through the whole ingest transformation (Markdown rendering, then sanitising), both formats."""
    uploads = {
        "a.md": md(body=f"Before.\n\n{vector}\n\nAfter."),
        "a.json": json.dumps({"title": "t", "section": "World", "body": f"<p>Before.</p>{vector}"}).encode(),
    }
    for name, data in uploads.items():
        try:
            html = parse_upload(name, data).body_html
        except UploadRejected as rejected:  # refused outright is inert too, if it says why
            problems = rejected.problems
            html = ""
        else:
            problems = []
        assert html or problems, (name, vector)
        assert active_content(html) == [], (name, vector)
        assert sanitize(html) == html, (name, vector)


def test_a_hostile_title_is_text_everywhere(stack: Stack) -> None:
    title = "<img src=x onerror=alert(1)> & <script>alert(2)</script>"
    stack.put("title.json", json.dumps({"title": title, "section": "World", "body": "<p>x</p>"}))
    stack.drain()
    rss = stack.feed().decode()
    assert "<img src=x" not in rss and "&lt;img src=x onerror=alert(1)&gt;" in rss
    feed = json.loads(stack.feed("feeds/feed.json"))
    assert feed["items"][0]["title"] == title  # JSON carries it as a string, never as markup


@pytest.mark.parametrize("invisible", ["\u200b", "\u2066", "\u2069", "\u00ad", "\u200e", "\u2060"])
def test_an_invisible_character_makes_no_look_alike_of_a_title(stack: Stack, invisible: str) -> None:
    """Invisible characters are removed from one-line text, so a title that differs from another only by
    one is the same title: it derives the same slug and is refused as taken, not published beside it."""
    stack.put("first.md", md())
    stack.put("second.md", md().replace(b"perfectly good", f"perfectly{invisible} good".encode()))
    stack.drain()
    problem = report(stack, "inbox/second.md")["problems"][0]
    assert problem["field"] == "slug" and "already used" in problem["message"]

    stack.put("third.md", md("slug: another-story\n").replace(b"good", f"go{invisible}od".encode()))
    stack.drain()
    titles = sorted(item["title"]["S"] for item in content_items(stack) if item["sk"]["S"] == "article")
    assert titles == ["A perfectly good story", "A perfectly good story"]  # stored without it


def test_an_unforeseen_failure_on_a_file_is_a_report_and_an_error_log_not_a_retry(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from newsfeed.logic import parsing

    def broken(markdown: str) -> str:
        if "trigger" in markdown:
            raise OverflowError("an error nobody foresaw")
        return f"<p>{markdown}</p>"

    monkeypatch.setattr(parsing, "render_markdown", broken)
    stack.put("bad.md", md(body="trigger"))
    stack.put("good.md", md().replace(b"perfectly good", b"fine"))  # same batch as the bad one
    stack.drain()

    problem = report(stack, "inbox/bad.md")["problems"][0]
    assert problem["field"] == "file" and "unexpectedly (OverflowError" in problem["message"]
    titles = [item["title"]["S"] for item in content_items(stack) if item["sk"]["S"] == "article"]
    assert titles == ["A fine story"]
    queued = stack.source("IngestFunction").client.get_queue_attributes(
        QueueUrl=stack.source("IngestFunction").queue_url, AttributeNames=["All"]
    )["Attributes"]
    assert queued["ApproximateNumberOfMessagesNotVisible"] == "0"  # nothing waits to be retried
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [getattr(r, "key", None) for r in errors] == ["inbox/bad.md"], errors
