"""A change in the uploads bucket, and the report an editor gets when an upload is refused."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

SEQUENCER_WIDTH = 64


class ChangeKind(StrEnum):
    PUT = "put"
    DELETE = "delete"


class UploadChange(BaseModel):
    """One object created or removed under `inbox/`, decoded from an S3 event notification."""

    model_config = ConfigDict(frozen=True)

    kind: ChangeKind
    bucket: str
    key: str  # decoded: spaces, '+', '%', non-ASCII and '/' as the editor wrote them
    size: int | None = None
    etag: str | None = None
    sequencer: str | None = None
    event_time: datetime

    @property
    def order(self) -> str:
        """A string that sorts the changes of one key in the order S3 made them.

        S3's `sequencer` is hex of varying length: right-padded with zeros it compares as a string (the S3
        event documentation's rule). Events without one (moto's) fall back to the event time, prefixed so
        that it never sorts before a real sequencer.
        """
        if self.sequencer:
            return "S" + self.sequencer.upper().ljust(SEQUENCER_WIDTH, "0")
        return "T" + self.event_time.strftime("%Y%m%dT%H%M%S%f")


class Problem(BaseModel):
    """One thing wrong with an upload: which field, and why."""

    model_config = ConfigDict(frozen=True)

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
    rejected_at: datetime
    problems: list[Problem]


class UploadRejected(Exception):
    """Raised by parsing and validation: the upload cannot become an article, for these reasons."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
