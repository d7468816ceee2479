"""Photos in the content table: what the image function made of each photo upload (the newest change of a
key winning whatever order the changes are handled in), and which articles show each photo."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from newsfeed.dal import batch, clients
from newsfeed.dal.errors import is_condition_failed, unless_condition_fails
from newsfeed.dal.keys import key as item_key
from newsfeed.dal.keys import photo_digest_pk, photo_key, photo_use_pk
from newsfeed.models.photo import Crop, CropRequest, Focus, Photo
from newsfeed.models.upload import IMPORTED, ChangeKind, UploadChange

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient


@dataclass
class PhotoQueue:
    """The ingest's side: photo uploads passed on to the image function, one message each."""

    queue_url: str
    client: SQSClient = field(default_factory=clients.sqs)

    def send(self, changes: Sequence[UploadChange]) -> None:
        batch.send_all(self.client, self.queue_url, [change.model_dump(mode="json") for change in changes])

    def make_again(self, bucket: str, keys: Sequence[str]) -> None:
        """Ask for the photo uploads at `keys` to be made again, as they are now. Ordered before any upload
        of theirs (an import's order, IMPORTED): one uploaded since is never taken for older than this."""
        now = datetime.now(UTC)
        again = [
            UploadChange(kind=ChangeKind.PUT, bucket=bucket, key=key, event_time=now, import_order=IMPORTED)
            for key in keys
        ]
        self.send(again)

    def ask_crops(self, photo: Photo, focus: Focus) -> None:
        """Ask for a photo's crops around an article's focal point."""
        request = CropRequest(crop=photo.key, etag=photo.etag, focus=focus)
        batch.send_all(self.client, self.queue_url, [request.model_dump(mode="json")])


@dataclass
class PhotoStore:
    table: str
    client: DynamoDBClient = field(default_factory=clients.dynamodb)

    def photo(self, key: str) -> Photo | None:
        """The renditions of the upload at `key`, if it has been made into some."""
        item = self.client.get_item(TableName=self.table, Key=photo_key(key), ConsistentRead=True).get("Item")
        return Photo.model_validate_json(item["photo"]["S"]) if item else None

    def keep(self, photo: Photo, order: str) -> bool:
        """Store `photo` unless a newer change of its upload is stored already; True if stored."""
        item = {
            **photo_key(photo.key),
            "photo": {"S": photo.model_dump_json()},
            "digest": {"S": photo.digest},
            "change_order": {"S": order},
        }
        try:
            self.client.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk) OR change_order < :order",
                ExpressionAttributeValues={":order": {"S": order}},
            )
        except ClientError as error:
            if is_condition_failed(error):
                return False
            raise
        self.client.put_item(TableName=self.table, Item=item_key(photo_digest_pk(photo.digest), photo.key))
        return True

    def add_crops(self, key: str, etag: str, label: str, crops: list[Crop]) -> None:
        """Record crops around another focal point, while the record is still of that version."""
        photo = self.photo(key)
        if photo is None or photo.etag != etag:
            return
        updated = photo.model_copy(update={"crops_at": {**photo.crops_at, label: crops}})
        with unless_condition_fails():  # made from another photo since
            self.client.update_item(
                TableName=self.table,
                Key=photo_key(key),
                UpdateExpression="SET photo = :photo",
                ConditionExpression="digest = :digest",
                ExpressionAttributeValues={
                    ":photo": {"S": updated.model_dump_json()},
                    ":digest": {"S": photo.digest},
                },
            )

    def uploads_of(self, digest: str) -> list[str]:
        """The upload keys whose photo has this digest (the same bytes sent under several names)."""
        mappings = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": photo_digest_pk(digest)}},
            ConsistentRead=True,
        )["Items"]
        return [mapping["sk"]["S"] for mapping in mappings]

    def forget_digest(self, digest: str) -> None:
        """Forget every upload's record whose photo has this digest (its renditions were withdrawn): an
        article naming one of them waits for it to be sent again. Which uploads had it is kept: the photo
        is made again from them if an article turns out to show it (PhotoShowing)."""
        for upload in self.uploads_of(digest):
            with unless_condition_fails():  # made from another photo since
                self.client.delete_item(
                    TableName=self.table,
                    Key=photo_key(upload),
                    ConditionExpression="digest = :digest",
                    ExpressionAttributeValues={":digest": {"S": digest}},
                )

    def forget(self, key: str, order: str) -> None:
        """The upload was deleted or refused: its record goes, unless a newer upload of the key is stored."""
        with unless_condition_fails():
            self.client.delete_item(
                TableName=self.table,
                Key=photo_key(key),
                ConditionExpression="attribute_not_exists(pk) OR change_order < :order",
                ExpressionAttributeValues={":order": {"S": order}},
            )


@dataclass
class PhotoUseStore:
    """Which articles show each photo (the publisher's): implements logic.site.photo_uses.PhotoUses."""

    table: str
    client: DynamoDBClient = field(default_factory=clients.dynamodb)

    def show(self, digest: str, article_id: str) -> None:
        self.client.put_item(TableName=self.table, Item=item_key(photo_use_pk(digest), article_id))

    def hide(self, digest: str, article_id: str) -> bool:
        self.client.delete_item(TableName=self.table, Key=item_key(photo_use_pk(digest), article_id))
        return self.shown(digest)

    def shown(self, digest: str) -> bool:
        return bool(
            self.client.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": photo_use_pk(digest)}},
                ConsistentRead=True,
                Limit=1,
            )["Items"]
        )


@dataclass
class ArticlePhotos:
    """The ingest's view of photos (logic.ports.PhotoLookup): their records, and crops asked for."""

    store: PhotoStore
    queue: PhotoQueue

    def photo(self, key: str) -> Photo | None:
        return self.store.photo(key)

    def ask_crops(self, photo: Photo, focus: Focus) -> None:
        self.queue.ask_crops(photo, focus)
