"""The uploads bucket: editors' files under inbox/, and rejection reports under rejected/."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from newsfeed.dal import clients
from newsfeed.dal.errors import is_not_found, is_precondition_failed
from newsfeed.models import limits
from newsfeed.models.upload import BundleFile, ImportBundle, ImportResult, RejectionReport, UploadChange

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def rejection_key(upload_key: str) -> str:
    """`inbox/a/b.md` is reported at `rejected/inbox/a/b.md.json`."""
    return f"{limits.REJECTED_PREFIX}{upload_key}.json"


@dataclass
class UploadBucket:
    """Implements the ingest's UploadFiles."""

    bucket: str
    client: S3Client = field(default_factory=clients.s3)

    def read(self, change: UploadChange, limit: int = limits.MAX_UPLOAD_BYTES) -> bytes | None:
        """The object's bytes (`limit` + 1 at most) if it is still the version the event saw (If-Match)."""
        request = {"Bucket": self.bucket, "Key": change.key}
        if change.etag:
            request["IfMatch"] = change.etag
        try:
            response = self.client.get_object(**request)  # type: ignore[arg-type]
        except ClientError as error:
            if is_not_found(error) or is_precondition_failed(error):
                return None
            raise
        return response["Body"].read(limit + 1)

    def read_object(self, key: str, limit: int) -> bytes | None:
        """The first `limit` bytes of whatever is at `key` now (None if nothing is)."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if is_not_found(error):
                return None
            raise
        return response["Body"].read(limit)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if is_not_found(error):
                return False
            raise
        return True

    def write_rejection(self, report: RejectionReport) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=rejection_key(report.key),
            Body=report.model_dump_json(indent=2, exclude_none=True).encode(),
            ContentType="application/json",
        )

    def read_rejection(self, key: str) -> RejectionReport | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=rejection_key(key))
        except ClientError as error:
            if is_not_found(error):
                return None
            raise
        return RejectionReport.model_validate_json(response["Body"].read())

    def clear_rejection(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=rejection_key(key))

    def clear_rejections(self, keys: Sequence[str]) -> None:
        """Remove the reports of uploads now accepted: one DeleteObjects per 1,000."""
        for start in range(0, len(keys), 1000):
            objects = [{"Key": rejection_key(key)} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})  # type: ignore[typeddict-item]

    def write_import_result(self, result: ImportResult) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=f"{limits.IMPORT_RESULTS_PREFIX}{result.bundle}",
            Body=result.model_dump_json(exclude_none=True).encode(),
            ContentType="application/json",
        )

    def finished_bundles(self, folder: str) -> set[str]:
        """The bundles under `folder` (e.g. `imports/<run>/`) whose result has been written: one listing,
        where reading each bundle's result in turn would ask once per bundle still being applied."""
        results = self._keys(f"{limits.IMPORT_RESULTS_PREFIX}{folder}")
        return {key.removeprefix(limits.IMPORT_RESULTS_PREFIX) for key in results}

    def sent_bundles(self, folder: str) -> set[str]:
        """The bundles under `folder` that are still in the bucket (applied or not)."""
        return self._keys(folder)

    def _keys(self, prefix: str) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read_import_result(self, bundle_key: str) -> ImportResult | None:
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=f"{limits.IMPORT_RESULTS_PREFIX}{bundle_key}"
            )
        except ClientError as error:
            if is_not_found(error):
                return None
            raise
        return ImportResult.model_validate_json(response["Body"].read())

    def upload(self, key: str, data: bytes) -> str:
        """Put an editor's file (the CLI's publish: an article or its photo); returns its ETag."""
        if key.lower().endswith(".json"):
            content_type = "application/json"
        elif key.lower().endswith(limits.UPLOAD_SUFFIXES):
            content_type = "text/markdown; charset=utf-8"
        else:  # a photo sent with an article
            content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        response = self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        return response["ETag"].strip('"')

    def upload_form(self, key: str, max_bytes: int, seconds: int) -> dict[str, Any]:
        """A presigned POST (`url` and `fields`) that puts one file of 1 to `max_bytes` bytes at `key`."""
        form = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Conditions=[["content-length-range", 1, max_bytes]],
            ExpiresIn=seconds,
        )
        return {"url": form["url"], "fields": form["fields"]}

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def unpublish(self, key: str) -> None:
        """Unpublish what upload `key` feeds: delete its object; if it has none (it was imported), send
        a one-file import bundle that deletes it, which the ingest applies the same way."""
        if self.exists(key):
            self.delete(key)
            return
        bundle = ImportBundle(files=[BundleFile(key=key, delete=True)])
        self.upload(f"{limits.IMPORT_PREFIX}unpublish/{uuid.uuid4()}.json", bundle.model_dump_json().encode())
