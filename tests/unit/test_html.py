import pytest

from newsfeed.logic.html import absolutize_links, render_markdown, sanitize, summarize, to_plain_text


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
        '<svg onload="alert(1)"></svg>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<form action="https://evil.example"><input name=a></form>',
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    ],
)
def test_sanitize_removes_scripts_handlers_and_unsafe_urls(hostile: str) -> None:
    clean = sanitize(f"<p>before</p>{hostile}<p>after</p>").lower()
    for marker in (
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "<iframe",
        "<style",
        "style=",
        "<form",
        "data:",
    ):
        assert marker not in clean
    assert "before" in clean
    assert "after" in clean


def test_sanitize_keeps_article_markup_and_is_a_fixed_point() -> None:
    html = sanitize(
        render_markdown(
            "## Heading\n\nSome *em* and **strong**, a [link](https://example.com/a?b=1&c=2).\n\n"
            "> a quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![alt text](https://img.example/x.jpg)\n"
        )
    )
    for tag in (
        "<h2>",
        "<em>",
        "<strong>",
        "<blockquote>",
        "<table>",
        '<img src="https://img.example/x.jpg"',
    ):
        assert tag in html
    assert 'href="https://example.com/a?b=1&amp;c=2"' in html
    assert sanitize(html) == html


def test_plain_text_separates_blocks_and_decodes_entities() -> None:
    assert to_plain_text("<h2>A</h2><p>b<em>c</em> &amp; d</p><p>e<br>f</p>") == "A bc & d e f"


def test_plain_text_drops_script_content() -> None:
    assert to_plain_text("<p>a</p><script>var x = 1;</script>") == "a"


def test_summarize_cuts_at_a_word_and_marks_the_cut() -> None:
    text = "alpha beta gamma delta epsilon"
    assert summarize(text, 100) == text
    cut = summarize(text, 18)
    assert cut == "alpha beta gamma…"
    assert len(cut) <= 18


def test_absolutize_rewrites_relative_links_against_the_article() -> None:
    html = '<p><a href="/rel">a</a> <a href="other">b</a> <img src="../img/x.png"> <a href="https://x.example/">c</a></p>'
    out = absolutize_links(html, "https://kazpost.example/articles/slug")
    assert 'href="https://kazpost.example/rel"' in out
    assert 'href="https://kazpost.example/articles/other"' in out
    assert 'src="https://kazpost.example/img/x.png"' in out
    assert 'href="https://x.example/"' in out
