"""The stored article, what is left at a slug once it is gone or moved, and the card that lists carry.

Stored values were validated when they were uploaded (`models.upload`); these models read them back with
plain types, which keeps every read cheap.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer

from newsfeed.models.article_shape import MOVED, UNPUBLISHED, ArticleStatus
from newsfeed.models.photo import Crop, Focus, Rendition
from newsfeed.models.text import format_utc, to_utc

# A stored or served instant: any aware datetime in, always `2024-03-29T04:00:00.000Z` out.
Timestamp = Annotated[
    datetime, AfterValidator(to_utc), PlainSerializer(format_utc, return_type=str, when_used="json")
]


class Image(BaseModel):
    """The lead image (as stored: validated on upload, by `models.upload.ImageUpload`)."""

    model_config = ConfigDict(frozen=True, defer_build=True, use_attribute_docstrings=True)

    url: str
    """Absolute, or a path on the site: of a photo sent with the article, its widest JPEG rendition."""
    alt: str = ""
    caption: str = ""
    credit: str = ""
    """Who took it, as the editor gave it."""
    focus: Focus | None = None
    """What its crops keep in view (fractions across and down), as the editor gave it; None: the centre."""
    width: int | None = None
    """Of the photo as sent (with its renditions only)."""
    height: int | None = None
    renditions: list[Rendition] = []
    """Of a photo sent with the article: each width in AVIF, WebP and JPEG, narrowest first."""
    crops: list[Crop] = []
    """Of a photo sent with the article: JPEG crops for sharing (og) and NewsArticle (16x9, 4x3, 1x1)."""


class EditorialFields(BaseModel):
    """What an editor writes that is kept as written: a field of an upload (`models.upload.ArticleUpload`),
    stored on the article and its card, answered by the API, exported and imported again, all from this
    declaration. A field added here needs nothing else (the theme shows it where it should; docs/editors.md's
    field table describes it); the upload model may give it a stricter type."""

    model_config = ConfigDict(frozen=True, defer_build=True, use_attribute_docstrings=True)

    title: str
    """Plain text."""
    subtitle: str = ""
    """The standfirst."""
    canonical_url: str | None = None
    """Where the article first appeared, if elsewhere (its page names it canonical); `url` is our page."""

    def editorial(self) -> dict[str, Any]:
        """These fields' values, as JSON has them (what an export writes and a model reads back)."""
        return self.model_dump(mode="json", include=set(EditorialFields.model_fields))


class ArticleCard(EditorialFields):
    """What a list, a related list or a feed index needs of an article: everything but the body."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    slug: str
    summary: str = ""
    section: str
    section_slug: str
    tags: list[str] = []
    tag_slugs: list[str] = []  # tag_slugs[i] is the slug of tags[i]
    authors: list[str] = []
    author_slugs: list[str] = []  # author_slugs[i] is the slug of authors[i]
    published_at: Timestamp
    updated_at: Timestamp
    language: str
    image: Image | None = None


class RelatedCard(ArticleCard):
    """An article in another's related list, and why it is there."""

    score: float = 0.0  # how related (logic.related.scoring.closeness); 0 for a curated one
    curated: bool = False  # pinned by the editor (the upload's `related`), else found automatically


class Article(ArticleCard):
    """A stored article: its card's fields, and its body and state. `id` is assigned at first ingest and never
    changes; it is the feed item id."""

    summary: str  # required here: derived from the body when the editor gives none
    body: str
    body_images: list[Image] = []  # the photos sent with it that the body shows, as its <img src> names them
    status: ArticleStatus
    revision: int = 1
    related: list[RelatedCard] = []  # curated first, then automatic by score (logic.related)
    related_slugs: list[str] = []  # the editor's curated related articles, in the editor's order
    show_in_related: bool = True  # False: never in another article's automatic related list
    federate: bool = True  # False: never sent to followers on the fediverse
    content_hash: str = ""  # fingerprint of what the editor uploaded: equal means nothing to write
    source_key: str = ""  # the upload this article comes from

    @property
    def is_public(self) -> bool:
        return self.status is ArticleStatus.PUBLISHED

    def card(self) -> ArticleCard:
        return ArticleCard(**{name: getattr(self, name) for name in ArticleCard.model_fields})


class _LeftAtSlug(BaseModel):
    """What stays at a slug its article has left."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str  # the article's
    slug: str
    source_key: str = ""


class Unpublished(_LeftAtSlug):
    """What is left at a slug once its article is unpublished: the API answers 410 Gone."""

    status: Literal["unpublished"] = UNPUBLISHED
    unpublished_at: Timestamp
    revision: int = 0  # the article's last revision, so that publishing it again continues the count


class Moved(_LeftAtSlug):
    """What is left at an old slug once its article has a new one: the API answers 301 to the new one."""

    status: Literal["moved"] = MOVED
    moved_to: str


ArticleRecord = Article | Unpublished | Moved
