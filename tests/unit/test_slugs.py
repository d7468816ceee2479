import pytest

from newsfeed.logic.slugs import is_valid_slug, slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Kazakh leader offers explanation for crisis", "kazakh-leader-offers-explanation-for-crisis"),
        ("Қазақстан Республикасының Президенті", "qazaqstan-respublikasynyn-prezidenti"),
        ("Әлем жаңалықтары: Ғарыш, Һ, І, Ү, Ң", "alem-zhanalyqtary-garysh-h-i-u-n"),
        ("Үкімет бюджетті бекітті", "ukimet-biudzhetti-bekitti"),
        ("Привет, мир! Ёлка и щука", "privet-mir-elka-i-shchuka"),
        ("  Tokayev: “No talks” — 2024  ", "tokayev-no-talks-2024"),
    ],
)
def test_titles_become_ascii_slugs(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert is_valid_slug(slug)


def test_kazakh_letters_are_not_dropped() -> None:
    # the generic transliteration turns Ә into '@', which a slug then drops: "Әлем" must not become "lem"
    assert slugify("Әлем").startswith("a")


def test_long_titles_are_cut_at_a_word_boundary() -> None:
    slug = slugify("word " * 100)
    assert len(slug) <= 96
    assert not slug.endswith("-")
    assert slug.endswith("word")


def test_titles_without_letters_give_no_slug() -> None:
    assert slugify("🎉 🎉 !!!") == ""


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "../etc/passwd",
        "a/b",
        "%2e%2e",
        "a--b",
        "-a",
        "a-",
        "A",
        "a b",
        "a\\b",
        "аpple",
        "a.b",
        "x" * 97,
        "0\n",
    ],
)
def test_invalid_slugs_are_refused(bad: str) -> None:
    assert not is_valid_slug(bad)
