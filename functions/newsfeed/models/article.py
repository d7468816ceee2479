"""The article: what an editor uploads, what is stored, and the short card that lists carry."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from newsfeed.models import limits
from newsfeed.models.text import (
    AuthorName,
    HttpUrl,
    ImageText,
    Link,
    SectionName,
    Slug,
    Subtitle,
    Summary,
    TagName,
    Timestamp,
    Title,
    UtcDatetime,
)


class ArticleStatus(StrEnum):
    DRAFT = "draft"  # stored, never public
    PUBLISHED = "published"


class UploadStatus(StrEnum):
    """The statuses an editor may ask for in an upload."""

    DRAFT = "draft"
    PUBLISHED = "published"


def _one_or_many(value: object) -> object:
    """`authors: Jane Doe` and `tags: economy` mean a list of one."""
    return [value] if isinstance(value, str) else value


class Image(BaseModel):
    """The lead image."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Link
    alt: ImageText = ""
    caption: ImageText = ""


class ArticleUpload(BaseModel):
    """The fields an editor may write: front matter of a Markdown file, or the keys of a JSON file.

    In a Markdown file the body is the Markdown after the front matter; in a JSON file `body` is HTML.
    Either way it is sanitised before it is stored. Unknown fields are refused, so a typo is an error.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    slug: Slug | None = None
    subtitle: Subtitle = ""
    summary: Summary = ""
    body: str = ""
    section: SectionName
    tags: Annotated[list[TagName], BeforeValidator(_one_or_many), Field(max_length=limits.MAX_TAGS)] = []
    authors: Annotated[
        list[AuthorName], BeforeValidator(_one_or_many), Field(max_length=limits.MAX_AUTHORS)
    ] = []
    published_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    status: UploadStatus = UploadStatus.PUBLISHED
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")] | None = None
    image: Image | None = None
    canonical_url: HttpUrl | None = None


class ArticleCard(BaseModel):
    """What a list, a related list or a feed index needs of an article: everything but the body."""

    model_config = ConfigDict(frozen=True)

    id: str
    slug: Slug
    title: str
    subtitle: str = ""
    summary: str = ""
    section: str
    section_slug: str
    tags: list[str] = []
    authors: list[str] = []
    published_at: Timestamp
    updated_at: Timestamp
    language: str
    image: Image | None = None
    canonical_url: str | None = None


class Article(BaseModel):
    """A stored article. `id` is assigned at first ingest and never changes; it is the feed item id."""

    model_config = ConfigDict(frozen=True)

    id: str
    slug: Slug
    title: str
    subtitle: str = ""
    body: str
    summary: str
    section: str
    section_slug: str
    tags: list[str] = []
    tag_slugs: list[str] = []
    authors: list[str] = []
    published_at: Timestamp
    updated_at: Timestamp
    status: ArticleStatus
    language: str
    image: Image | None = None
    canonical_url: str | None = None
    revision: int = Field(default=1, ge=1)
    related: list[ArticleCard] = []
    content_hash: str = ""  # fingerprint of what the editor uploaded: equal means nothing to write
    source_key: str = ""  # the upload this article comes from

    @property
    def is_public(self) -> bool:
        return self.status is ArticleStatus.PUBLISHED

    def card(self) -> ArticleCard:
        return ArticleCard(
            id=self.id,
            slug=self.slug,
            title=self.title,
            subtitle=self.subtitle,
            summary=self.summary,
            section=self.section,
            section_slug=self.section_slug,
            tags=self.tags,
            authors=self.authors,
            published_at=self.published_at,
            updated_at=self.updated_at,
            language=self.language,
            image=self.image,
            canonical_url=self.canonical_url,
        )


class Gone(BaseModel):
    """What is left at a slug once its article is unpublished: the API answers 410 Gone."""

    model_config = ConfigDict(frozen=True)

    status: Literal["unpublished"] = "unpublished"
    id: str
    slug: Slug
    unpublished_at: Timestamp
    source_key: str = ""


class Moved(BaseModel):
    """What is left at an old slug once its article has a new one: the API answers 301 to the new one."""

    model_config = ConfigDict(frozen=True)

    status: Literal["moved"] = "moved"
    id: str
    slug: Slug
    moved_to: Slug
    source_key: str = ""


ArticleRecord = Article | Gone | Moved


class UploadRecord(BaseModel):
    """Which article an upload key feeds, and the newest change of that key applied so far."""

    model_config = ConfigDict(frozen=True)

    key: str
    article_id: str
    slug: Slug
    order: str  # UploadChange.order of the last applied change: older changes are refused
    etag: str | None = None  # of the applied object; None once the upload is deleted
    deleted: bool = False
