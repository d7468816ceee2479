"""Front matter with every kind of YAML value an editor (or an attacker) can write: typed scalars, explicit
tags, impossible dates, nesting, random text and bytes. For every file the ingest publishes the article or
refuses it with a report; it never raises, never writes part of an article, and never refuses a file by an
error nobody foresaw (`unexpected`): each refusal is a rule that says what is wrong."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed.logic.ingest import Outcome
from tests.support.memory import ingest_in_memory

TYPED = settings(
    max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

DATES = st.from_regex(
    r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"( ?[Zz]| ?[+-][0-9]{1,2}(:[0-9]{2})?)?)?\Z"
)
PLAIN = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\x85\u2028\u2029"), max_size=30).map(
    lambda text: text.strip() or "x"
)
SCALARS = st.one_of(
    st.text(max_size=30).map(json.dumps),  # double-quoted, any code point escaped
    PLAIN,
    st.integers().map(str),
    st.floats().map(repr),
    st.sampled_from([".inf", "-.inf", ".nan", "1e309", "0x1F", "0o17", "017", "1_000", "0b101", "190:20:30"]),
    st.sampled_from(
        ["~", "null", "", "true", "no", "on", "''", "'It''s'", "|\n  block\n  text", ">\n  folded"]
    ),
    DATES,
    st.binary(max_size=24).map(lambda data: "!!binary " + base64.b64encode(data).decode()),
    st.sampled_from(
        [
            "!!set {a, b}",
            "!!omap [a: 1, b: 2]",
            "!!pairs [a: 1]",
            "!!str 5",
            "!!int '3'",
            "!!float 1",
            "!!timestamp 2024-01-01",
            "!!null ''",
            "!!bool yes",
            "!local x",
            "! plain",
            "!!python/tuple [1]",
            "!!python/object/apply:os.system [id]",
            "&anchor x",
            "*anchor",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(st.sampled_from(["url", "alt", "caption", "a", "1"]), inner, max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs.items()) + "}"
        ),
    ),
    max_leaves=8,
)
FIELDS = [
    "title",
    "section",
    "slug",
    "subtitle",
    "summary",
    "tags",
    "authors",
    "published_at",
    "updated_at",
    "status",
    "language",
    "image",
    "canonical_url",
    "related",
    "show_in_related",
]


@st.composite
def typed_uploads(draw: st.DrawFn) -> bytes:
    """A valid article, with some of its fields (or others) given typed values."""
    fields = {"title": "A good story", "section": "World", "published_at": "2024-03-29T10:00:00+05:00"}
    for name in draw(st.lists(st.sampled_from([*FIELDS, "extra", "7"]), max_size=4)):
        fields[name] = draw(VALUES)
    if draw(st.booleans()):
        fields["published_at"] = draw(DATES)
    front = "\n".join(f"{name}: {value}" for name, value in fields.items())
    body = draw(st.sampled_from(["Some text.", "<p>HTML</p>", "# Heading\n\nText"]))
    data = f"---\n{front}\n---\n{body}\n".encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # now and then, a few random bytes in the middle
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


@TYPED
@given(typed_uploads())
def test_any_typed_front_matter_is_published_or_refused_by_a_rule(data: bytes) -> None:
    result, files, store = ingest_in_memory("a.md", data)
    assert result.unexpected == [], result.problems
    if result.outcome is Outcome.REJECTED:
        assert store.saved == [] and len(files.reports) == 1
        assert all(p.field and p.message for p in files.reports[0].problems)
    else:
        assert result.outcome in (Outcome.PUBLISHED, Outcome.SAVED, Outcome.SCHEDULED)
        assert len(store.saved) == 1 and files.reports == []
