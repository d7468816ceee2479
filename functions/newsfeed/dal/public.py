"""The public bucket (behind CloudFront): feeds written only when their bytes change, never backwards."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import ClientError

from newsfeed.dal import batch, clients
from newsfeed.dal.errors import is_not_found, is_precondition_failed
from newsfeed.models.errors import PreconditionFailed

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

T = TypeVar("T")
R = TypeVar("R")

# Object metadata naming where a file's address has moved: S3 serves it as the header
# x-amz-meta-redirect-location, which the front door answers as a 301 (template.yaml's PageRedirects).
REDIRECT_METADATA = "redirect-location"


def etag_of(body: bytes) -> str:
    """The ETag S3 gives a single-part upload: the MD5 of the bytes (a checksum, not a security measure)."""
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class PublicFile:
    body: bytes
    content_type: str
    cache_control: str
    etag: str
    last_modified: datetime
    redirect: str | None = None  # answer 301 to this URL


@dataclass
class PublicBucket:
    bucket: str
    client: S3Client = field(default_factory=clients.s3)

    def etag(self, path: str) -> str | None:
        """The current ETag of `path`, or None if there is no such file."""
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=path)
        except ClientError as error:
            if is_not_found(error):
                return None
            raise
        return response["ETag"].strip('"')

    def write_if_changed(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        expected: str | None,
        redirect: str | None = None,
    ) -> bool:
        """Write `path` unless it already holds `body`, and only while it still has ETag `expected` (None:
        only if it does not exist yet). Raises PreconditionFailed when another writer got there first.
        `redirect` is kept as the object's metadata, which the front door (CloudFront's function, or
        `make run`'s) answers as a 301; the body is the page a client that ignores it shows.
        """
        if expected is not None and etag_of(body) == expected:
            return False
        condition = {"IfMatch": f'"{expected}"'} if expected else {"IfNoneMatch": "*"}
        metadata = {"Metadata": {REDIRECT_METADATA: redirect}} if redirect else {}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=path,
                Body=body,
                ContentType=content_type,
                CacheControl=cache_control,
                **condition,  # type: ignore[arg-type]
                **metadata,  # type: ignore[arg-type]
            )
        except ClientError as error:
            # (gone since its ETag was read: S3 answers If-Match on a missing key 404; another writer took it)
            if is_precondition_failed(error) or (expected is not None and is_not_found(error)):
                raise PreconditionFailed(path) from error
            raise
        return True

    def write_once(self, path: str, body: bytes, *, content_type: str, cache_control: str) -> None:
        """Write a file whose address names its content (a photo's rendition): one already there is left."""
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=path,
                Body=body,
                ContentType=content_type,
                CacheControl=cache_control,
                IfNoneMatch="*",
            )
        except ClientError as error:
            if not is_precondition_failed(error):
                raise

    def read(self, path: str) -> PublicFile | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=path)
        except ClientError as error:
            if is_not_found(error):
                return None
            raise
        return PublicFile(
            body=response["Body"].read(),
            content_type=response.get("ContentType", "application/octet-stream"),
            cache_control=response.get("CacheControl", ""),
            etag=response["ETag"].strip('"'),
            last_modified=response["LastModified"],
            redirect=response.get("Metadata", {}).get(REDIRECT_METADATA),
        )

    def delete_folder(self, folder: str) -> list[str]:
        """Remove every file under `folder/` (a photo's renditions); their paths."""
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=f"{folder}/").get("Contents", [])
        paths = [item["Key"] for item in listed]
        if paths:
            self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": path} for path in paths], "Quiet": True}
            )
        return paths

    def holds(self, folder: str) -> bool:
        """Whether any file is under `folder/`."""
        return bool(
            self.client.list_objects_v2(Bucket=self.bucket, Prefix=f"{folder}/", MaxKeys=1).get("KeyCount")
        )

    def each(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`work` for each item, up to dal.batch.IN_FLIGHT requests at once."""
        return batch.each(work, items)

    def delete(self, path: str) -> None:
        """Remove `path` (nothing happens if it is not there)."""
        self.client.delete_object(Bucket=self.bucket, Key=path)
