"""Properties that hold for any input (hypothesis): the ingest refuses or accepts, never crashes; what it
accepts is inert and stable; what it refuses writes nothing but a report."""

from __future__ import annotations

import json
import string
from typing import Any, Literal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from newsfeed.logic.events import parse_notification
from newsfeed.logic.html import sanitize
from newsfeed.logic.ingest import Outcome
from newsfeed.logic.parsing import parse_upload
from newsfeed.logic.slugs import slugify
from newsfeed.models.fields import FORBIDDEN_CHARS
from newsfeed.models.text import is_valid_slug
from newsfeed.models.upload import UploadRejected
from tests.support.inert import active_content
from tests.support.memory import ingest_in_memory

PROPERTY = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

HTML_ISH = st.text(
    alphabet=st.sampled_from(list("<>/=\"' &;#:!-?abcdefghijklmnopqrstuvwxyzSCRIPTIMG\n\t"))
    | st.characters(codec="utf-8"),  # (invalid UTF-8 comes from st.binary below)
    max_size=300,
)
TAGS = st.sampled_from(
    ["script", "img", "a", "svg", "math", "style", "p", "iframe", "table", "noscript", "template", "xmp", "b"]
)
ATTRIBUTES = st.sampled_from(["src", "href", "onerror", "style", "title", "cite", "id", "xlink:href"])
VALUES = st.sampled_from(
    ["javascript:alert(1)", "x", "https://ok.example/", " java\tscript:1", "data:,x", "</p>"]
)


@st.composite
def html_fragments(draw: st.DrawFn) -> str:
    """Markup-heavy fragments: tags, attributes and hostile values nested in arbitrary order."""
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        tag = draw(TAGS)
        attrs = " ".join(f'{draw(ATTRIBUTES)}="{draw(VALUES)}"' for _ in range(draw(st.integers(0, 3))))
        parts.append(f"<{tag} {attrs}>{draw(HTML_ISH)}")
        if draw(st.booleans()):
            parts.append(f"</{draw(TAGS)}>")
    return "".join(parts)


FIELD_NAMES = st.sampled_from(
    ["title", "section", "tags", "authors", "slug", "summary", "published_at", "status", "image", "x", "body"]
)
YAML_VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(),
    st.lists(st.text(max_size=10), max_size=4),
    st.sampled_from(["&a [1]", "*a", "!!python/name:os.system", "2024-03-29", "{a: b}", "[", "'"]),
)


@st.composite
def markdown_uploads(draw: st.DrawFn) -> bytes:
    lines = [f"{draw(FIELD_NAMES)}: {draw(YAML_VALUES)}" for _ in range(draw(st.integers(0, 8)))]
    body = draw(st.one_of(HTML_ISH, html_fragments()))
    return ("---\n" + "\n".join(lines) + "\n---\n" + body).encode("utf-8", "surrogatepass")


@st.composite
def json_uploads(draw: st.DrawFn) -> bytes:
    values = st.one_of(
        st.text(max_size=40), st.integers(), st.none(), st.lists(st.text(max_size=8), max_size=3)
    )
    document = draw(st.dictionaries(FIELD_NAMES, values, max_size=8))
    if draw(st.booleans()):
        document |= {"title": draw(st.text(max_size=60)), "section": "World", "body": draw(html_fragments())}
    return json.dumps(document).encode()


CONTROLS: tuple[Literal["Cc"]] = ("Cc",)


@st.composite
def plausible_uploads(draw: st.DrawFn) -> tuple[str, bytes]:
    """Well-formed uploads with arbitrary text and hostile markup in their fields: mostly accepted."""
    text = st.text(st.characters(codec="utf-8", exclude_categories=CONTROLS), min_size=1, max_size=80)
    document: dict[str, Any] = {
        "title": draw(text),
        "section": draw(text),
        "body": "<p>Text.</p>" + draw(html_fragments()),
    }
    if draw(st.booleans()):
        document |= {"tags": draw(st.lists(text, max_size=3)), "summary": draw(text)}
    if draw(st.booleans()):
        return "a.json", json.dumps(document).encode()
    body = document.pop("body")
    return "a.md", ("---\n" + json.dumps(document) + "\n---\n" + body).encode()  # JSON is YAML


UPLOADS = st.one_of(
    plausible_uploads(),
    st.tuples(st.just("a.md"), markdown_uploads()),
    st.tuples(st.just("a.json"), json_uploads()),
    st.tuples(st.sampled_from(["a.md", "a.json"]), st.binary(max_size=500)),
)


@PROPERTY
@given(UPLOADS)
def test_any_upload_is_accepted_inert_or_refused_with_reasons(upload: tuple[str, bytes]) -> None:
    name, data = upload
    try:
        parsed = parse_upload(name, data)
    except UploadRejected as rejected:
        problems = rejected.problems
    else:
        problems = []
    if problems:
        assert all(p.field and p.message for p in problems)
        return
    assert active_content(parsed.body_html) == []
    assert sanitize(parsed.body_html) == parsed.body_html
    assert is_valid_slug(parsed.slug)
    assert not FORBIDDEN_CHARS.search(parsed.fields.title)


@PROPERTY
@given(st.one_of(HTML_ISH, html_fragments()))
def test_sanitised_html_is_inert_and_a_fixed_point(fragment: str) -> None:
    clean = sanitize(fragment)
    assert active_content(clean) == []
    assert sanitize(clean) == clean


@PROPERTY
@given(st.text(max_size=200))
def test_any_title_gives_a_valid_slug_or_none(title: str) -> None:
    slug = slugify(title)
    assert slug == "" or is_valid_slug(slug)


@PROPERTY
@given(st.text(alphabet=string.printable + "Қаé/%+.\\", max_size=100))
def test_a_slug_is_valid_only_if_it_is_safe_in_a_path(candidate: str) -> None:
    if is_valid_slug(candidate):
        assert set(candidate) <= set(string.ascii_lowercase + string.digits + "-")
        assert ".." not in candidate and "/" not in candidate and "\\" not in candidate


@PROPERTY
@given(
    st.one_of(
        st.text(max_size=300),
        st.recursive(
            st.none() | st.text(max_size=10),
            lambda inner: st.lists(inner) | st.dictionaries(st.text(max_size=8), inner),
        ).map(json.dumps),
    )
)
def test_any_queue_message_is_decoded_or_ignored(body: str) -> None:
    notification = parse_notification(body)
    assert all(change.key.startswith("inbox/") for change in notification.changes)


# --- the ingest with in-memory storage: a refusal writes nothing but its report ---------------------------


@PROPERTY
@given(UPLOADS)
def test_the_ingest_either_stores_once_or_reports_and_stores_nothing(upload: tuple[str, bytes]) -> None:
    result, files, store = ingest_in_memory(*upload)
    if result.outcome is Outcome.REJECTED:
        assert store.saved == [] and len(files.reports) == 1 and files.reports[0].problems
    else:
        assert result.outcome in (Outcome.PUBLISHED, Outcome.SAVED)
        assert len(store.saved) == 1 and files.reports == [] and files.cleared == [result.key]


@PROPERTY
@given(
    name=st.text(min_size=1, max_size=400),
    suffix=st.sampled_from([".md", ".MD", ".Markdown", ".json", ".JSON", ".txt"]),
)
def test_a_file_name_of_any_unicode_is_a_verdict_never_a_crash(name: str, suffix: str) -> None:
    """Any file name is either refused with a reason an editor can act on, or carried in an import bundle
    (JSON) and parsed by its extension in any case; the two checks agree."""
    from pydantic import ValidationError

    from newsfeed.models.upload import BundleFile, ImportBundle, key_problem

    key = f"inbox/{name}{suffix}"
    problem = key_problem(key)
    json_body = '{"title": "A story", "section": "World", "body": "<p>Text.</p>"}'
    body = json_body if suffix.lower() == ".json" else "---\ntitle: A story\nsection: World\n---\nText.\n"
    refusal = ""
    try:
        bundle = ImportBundle(files=[BundleFile(key=key, body=body)])
    except ValidationError as refused:
        refusal = str(refused)
    if problem is not None:
        assert problem in refusal
        event("refused: " + problem.split(":")[0][:30])
        return
    assert not refusal
    assert ImportBundle.model_validate_json(bundle.model_dump_json()) == bundle
    refused_as = ""
    try:
        title = parse_upload(key, body.encode()).fields.title
    except UploadRejected as rejected:
        refused_as, title = str(rejected), ""
    assert ("extension" in refused_as) if suffix == ".txt" else (title == "A story")
