"""A change in the uploads bucket, and the report an editor gets when an upload is refused."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from newsfeed.models import limits
from newsfeed.models.article import EditorialFields, Timestamp
from newsfeed.models.fields import (
    AuthorName,
    HttpUrl,
    ImageRef,
    ImageText,
    SectionName,
    Slug,
    Subtitle,
    Summary,
    TagName,
    Title,
    UtcDatetime,
)
from newsfeed.models.photo import FocusPoint

SEQUENCER_WIDTH = 64


class UploadStatus(StrEnum):
    """The statuses an editor may ask for in an upload."""

    DRAFT = "draft"
    PUBLISHED = "published"


def _one_or_many(value: object) -> object:
    """`authors: Jane Doe` and `tags: economy` mean a list of one."""
    return [value] if isinstance(value, str) else value


class ImageUpload(BaseModel):
    """The lead image, as an editor gives it: a photo sent with the article (its path beside the article's
    file), or the URL of one elsewhere."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: ImageRef
    alt: ImageText = ""
    caption: ImageText = ""
    credit: ImageText = ""
    focus: FocusPoint | None = None


class ArticleUpload(EditorialFields):
    """The fields an editor may write: front matter of a Markdown file, or the keys of a JSON file.

    In a Markdown file the body is the Markdown after the front matter; in a JSON file `body` is HTML.
    Either way it is sanitised before it is stored. Unknown fields are refused, so a typo is an error.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

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
    language: Annotated[str, Field(pattern=limits.LANGUAGE_PATTERN)] | None = None
    image: ImageUpload | None = None
    canonical_url: HttpUrl | None = None
    related: Annotated[
        list[Slug], BeforeValidator(_one_or_many), Field(max_length=limits.MAX_CURATED_RELATED)
    ] = []
    """Slugs of articles to show first in this article's related list, in this order."""
    show_in_related: bool = True
    """False keeps this article out of every other article's automatic related list."""
    federate: bool = True
    """False: followers on the fediverse never receive this article (it is still on the site and in feeds)."""


class ChangeKind(StrEnum):
    PUT = "put"
    DELETE = "delete"


IMPORTED = "I"  # the order of a file of an import bundle begins so (`UploadChange.order`)


class UploadChange(BaseModel):
    """One object created or removed under `inbox/`, decoded from an S3 event notification."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: ChangeKind
    bucket: str
    key: str  # decoded: spaces, '+', '%', non-ASCII and '/' as the editor wrote them
    size: int | None = None
    etag: str | None = None
    sequencer: str | None = None
    event_time: datetime
    import_order: str | None = None  # set for a file of an import bundle: see `order`
    file_name: str | None = None  # whose extension picks the format, if not the key's (BundleFile)

    @property
    def order(self) -> str:
        """A string that sorts the changes of one key in the order S3 made them.

        S3's `sequencer` is hex of varying length: right-padded with zeros it compares as a string (the S3
        event documentation's rule). Events without one (moto's) fall back to the event time, prefixed so
        that it never sorts before a real sequencer. A file of an import bundle sorts before both (IMPORTED):
        S3 sequencers of different keys do not compare, so any upload of the key itself wins over imports
        of it, and a later import over an earlier one.
        """
        if self.import_order:
            return self.import_order
        if self.sequencer:
            return "S" + self.sequencer.upper().ljust(SEQUENCER_WIDTH, "0")
        return "T" + self.event_time.strftime("%Y%m%dT%H%M%S%f")


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_UNDECODED = re.compile("[\ud800-\udfff]")  # how Python names the bytes of a file name that is not UTF-8


def key_problem(key: str) -> str | None:
    """Why `key` (inbox/ and a file's path) cannot be an upload's, in words for the editor; None if it can."""
    if bad := _CONTROL.search(key):
        return f"its name contains the control character U+{ord(bad.group()):04X}: rename the file"
    if _UNDECODED.search(key):
        return "its name is not UTF-8 text: rename it"
    size = len(key.encode())
    if size > limits.MAX_KEY_BYTES:
        return f"its name makes a key of {size:,} bytes (UTF-8); S3 takes at most {limits.MAX_KEY_BYTES:,}"
    return None


def _upload_key(key: str) -> str:
    if not key.startswith(limits.UPLOAD_PREFIX):
        raise ValueError(f"must start with {limits.UPLOAD_PREFIX}")
    if problem := key_problem(key):
        raise ValueError(problem)
    return key


def _file_name(name: str) -> str:
    if problem := key_problem(name):
        raise ValueError(problem)
    return name


class BundleFile(BaseModel):
    """One file of an import bundle: the upload key it stands for and its text, or `delete` (an unpublish
    of an upload that has no object of its own, having been imported)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    key: Annotated[str, AfterValidator(_upload_key)]
    body: str = ""
    delete: bool = False
    # The file's own name when its format is not the key's: an export writes a Markdown upload as JSON,
    # and importing it puts it back at the key it came from.
    file_name: Annotated[str, AfterValidator(_file_name)] | None = None


class ImportBundle(BaseModel):
    """What `newsfeed import` puts under imports/: up to MAX_IMPORT_FILES files, applied as uploads."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    files: Annotated[list[BundleFile], Field(max_length=limits.MAX_IMPORT_FILES)]


class ReceivedBundle(BaseModel):
    """An import bundle as the ingest reads it: its files are checked one by one (`BundleFile`), so that one
    bad file (a name no upload can have, say) is refused alone."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    files: Annotated[list[dict[str, object]], Field(max_length=limits.MAX_IMPORT_FILES)]


class Problem(BaseModel):
    """One thing wrong with an upload: which field, and why."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    field: str
    message: str
    line: int | None = None  # where the file says it, when we know

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.field}: {self.message}{where}"


class RejectionReport(BaseModel):
    """Written next to a refused upload at `rejected/<key>.json`; nothing else changes."""

    key: str
    etag: str | None
    rejected_at: Timestamp  # with milliseconds, as every other time we write
    problems: list[Problem]


class ImportedFile(BaseModel):
    key: str
    outcome: str  # an ingest Outcome: published, scheduled, saved, unchanged, stale or rejected
    slug: str | None = None
    problems: list[Problem] = []


class ImportResult(BaseModel):
    """Left at `import-results/<bundle key>` once a bundle is applied: what became of each of its files, or
    why none was applied (`problems`: the bundle itself could not be read)."""

    bundle: str
    etag: str | None
    files: list[ImportedFile]
    problems: list[Problem] = []


class UploadRejected(Exception):
    """Raised by parsing and validation: the upload cannot become an article, for these reasons.

    `unexpected` is the error behind a refusal that no rule foresaw: the file is refused all the same (it
    changes nothing), and whoever logs the refusal logs it as a fault of ours.
    """

    def __init__(self, problems: list[Problem], unexpected: Exception | None = None) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.unexpected = unexpected

    @classmethod
    def from_unexpected(cls, error: Exception) -> UploadRejected:
        problem = Problem(
            field="file",
            message=f"could not be read: newsfeed failed on it unexpectedly ({type(error).__name__}: "
            f"{str(error)[:200]}); nothing was changed. Please report this file to the newsfeed team",
        )
        return cls([problem], unexpected=error)


class UploadRecord(BaseModel):
    """Which article an upload key feeds, and the newest change of that key applied so far."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str
    article_id: str
    slug: Slug
    order: str  # UploadChange.order of the last applied change: older changes are refused
    etag: str | None = None  # of the applied object; None once the upload is deleted
    deleted: bool = False

    @property
    def imported(self) -> bool:
        """Whether the change applied last came in an import bundle (bulk work, `dal.items.is_bulk`)."""
        return self.order.startswith(IMPORTED)
