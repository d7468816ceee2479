import json

import pytest

from newsfeed.logic.parsing import parse_upload
from newsfeed.models import limits
from newsfeed.models.upload import Problem, UploadRejected

GOOD = """---
title: Kazakh leader offers explanation for crisis
subtitle: The country’s leader has reiterated his tough approach
section: Kazakhstan News
tags: [Kazakhstan, Politics]
authors: KazPost staff
published_at: 2024-03-29T09:00:00+05:00
image:
  url: /images/a.jpg
  alt: The president
---
Kazakh President *Kassym-Jomart Tokayev* has explained the crisis.

<script>alert("x")</script>
"""


def rejected(name: str, data: bytes | str) -> list[Problem]:
    with pytest.raises(UploadRejected) as caught:
        parse_upload(name, data.encode() if isinstance(data, str) else data)
    return caught.value.problems


def test_markdown_with_front_matter() -> None:
    parsed = parse_upload("a.md", GOOD.encode())
    assert parsed.slug == "kazakh-leader-offers-explanation-for-crisis"
    assert parsed.fields.section == "Kazakhstan News"
    assert parsed.fields.authors == ["KazPost staff"]
    assert parsed.fields.published_at is not None
    assert parsed.fields.published_at.isoformat() == "2024-03-29T04:00:00+00:00"
    assert (
        parsed.body_html == "<p>Kazakh President <em>Kassym-Jomart Tokayev</em> has explained the crisis.</p>"
    )


def test_json_upload_body_is_sanitised_html() -> None:
    upload = {
        "title": "J",
        "section": "World",
        "body": '<p>hi<img src=x onerror="alert(1)"></p><script>x</script>',
    }
    parsed = parse_upload("a.json", json.dumps(upload).encode())
    assert parsed.body_html == '<p>hi<img src="x"></p>'


def test_explicit_slug_is_kept_and_validated() -> None:
    assert (
        parse_upload("a.md", GOOD.replace("section:", "slug: my-slug\nsection:").encode()).slug == "my-slug"
    )
    problems = rejected("a.md", GOOD.replace("section:", "slug: ../etc/passwd\nsection:"))
    assert [p.field for p in problems] == ["slug"]


def test_a_bom_is_accepted() -> None:
    assert parse_upload("a.md", b"\xef\xbb\xbf" + GOOD.encode()).fields.title.startswith("Kazakh")


def test_missing_title() -> None:
    problems = rejected("a.md", GOOD.replace("title: Kazakh leader offers explanation for crisis\n", ""))
    assert [(p.field, p.message) for p in problems] == [("title", "is required")]


def test_not_utf8() -> None:
    problems = rejected("a.md", GOOD.replace("Kazakh leader", "Caf\u00e9").encode("latin-1", "replace"))
    assert problems[0].field == "file"
    assert "not UTF-8" in problems[0].message


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\u202e", "\ufeff"])
def test_control_characters_are_refused_with_their_line(char: str) -> None:
    problems = rejected("a.md", GOOD.replace("Kazakh leader", f"Kazakh{char}leader"))
    assert problems == [
        Problem(
            field="file",
            message=f"contains the invisible control character U+{ord(char):04X}; delete it",
            line=2,
        )
    ]


def test_unknown_fields_are_named_with_their_line() -> None:
    problems = rejected("a.md", GOOD.replace("subtitle:", "subtitel:"))
    assert [(p.field, p.line) for p in problems] == [("subtitel", 3)]


@pytest.mark.parametrize(
    ("front", "field", "fragment"),
    [
        ("a: &x [1, 2]\nb: *x", "front_matter", "aliases"),
        ("title: !!python/object/apply:os.system [ls]", "front_matter", "tags (!!python/object/apply"),
        ("title: a\ntitle: b", "front_matter", "appears twice"),
        ("title: [unclosed", "front_matter", "not valid YAML"),
        ("- a\n- b", "front_matter", "field: value"),
    ],
)
def test_unsafe_or_broken_yaml_is_refused(front: str, field: str, fragment: str) -> None:
    problems = rejected("a.md", f"---\n{front}\n---\nbody\n")
    assert problems[0].field == field
    assert fragment in problems[0].message


def test_front_matter_is_required_and_closed() -> None:
    assert rejected("a.md", "just text")[0].field == "front_matter"
    assert "not closed" in rejected("a.md", "---\ntitle: a\n")[0].message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-03-29T10:00:00", "needs a time zone"),
        ("2024-03-29", "needs a time and a time zone"),
        ("yesterday", "must be a time with a time zone"),
    ],
)
def test_dates_need_a_time_zone(value: str, message: str) -> None:
    problems = rejected("a.md", GOOD.replace("2024-03-29T09:00:00+05:00", value))
    assert problems[0].field == "published_at"
    assert message in problems[0].message
    assert problems[0].line == 7


def test_an_empty_body_is_refused() -> None:
    assert [
        p.field
        for p in rejected("a.md", GOOD.split("---\nKazakh", maxsplit=1)[0] + "---\n<script>x</script>")
    ] == ["body"]


def test_limits() -> None:
    assert "limit is 300" in rejected("a.md", GOOD.replace("Kazakh leader", "x" * 301))[0].message
    tags = "[" + ", ".join(f"t{i}" for i in range(limits.MAX_TAGS + 1)) + "]"
    assert rejected("a.md", GOOD.replace("[Kazakhstan, Politics]", tags))[0].field == "tags"
    big = GOOD + "word " * (limits.MAX_UPLOAD_BYTES // 5)
    assert "limit is" in rejected("a.md", big)[0].message


def test_json_must_be_a_well_formed_object() -> None:
    assert rejected("a.json", b'{"title": ')[0].field == "file"
    assert "JSON object" in rejected("a.json", b"[1, 2]")[0].message
    assert "appears twice" in rejected("a.json", b'{"title": "a", "title": "b"}')[0].message
    assert rejected("a.json", b"[" * 100_000)[0].field == "file"


def test_titles_cannot_derive_an_empty_slug() -> None:
    problems = rejected("a.md", GOOD.replace("Kazakh leader offers explanation for crisis", "🎉🎉"))
    assert [p.field for p in problems] == ["slug"]


def test_unknown_extension() -> None:
    assert "extension" in rejected("a.txt", GOOD)[0].message
