"""Which articles show each photo, followed from the content stream. A photo that no article shows any more
(its last article unpublished, or given another photo) stops being served: a legal takedown takes the
picture down too. One that another article still shows stays, a draft or a scheduled one included (it will
be published with it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from newsfeed.models.article import Article, ArticleRecord
from newsfeed.models.photo import digest_in, photo_dir


class RenditionFolders(Protocol):
    def delete_folder(self, folder: str) -> list[str]: ...

    def holds(self, folder: str) -> bool: ...


class PhotoDigests(Protocol):
    def forget_digest(self, digest: str) -> None: ...

    def uploads_of(self, digest: str) -> list[str]: ...


class PhotoUses(Protocol):
    def show(self, digest: str, article_id: str) -> None: ...

    def hide(self, digest: str, article_id: str) -> bool:
        """The article no longer shows the photo: True while another article still does."""

    def shown(self, digest: str) -> bool: ...


def shown_photos(record: ArticleRecord | None) -> set[str]:
    """The digests of the photos a record shows (an article's lead photo and those in its body, whether it
    is published, scheduled or a draft; an unpublished or moved one shows none)."""
    if not isinstance(record, Article):
        return set()
    images = [record.image, *record.body_images] if record.image else record.body_images
    return {digest for image in images if (digest := digest_in(image.url))}


@dataclass
class PhotoShowing:
    uses: PhotoUses
    files: RenditionFolders
    records: PhotoDigests
    invalidate: Callable[[list[str]], None]  # drop paths from the CDN's caches
    make_again: Callable[[list[str]], None]  # ask the image function to make these uploads' photos again

    def withdraw(self, digest: str) -> None:
        """Stop serving a photo: its upload's record forgotten (an article naming it again waits for it to
        be sent again), its renditions deleted, then dropped from the CDN (which caches them for a year).
        An article stored with it meanwhile (its ingest read the record before it was forgotten) gets it
        made again."""
        folder = photo_dir(digest)
        self.records.forget_digest(digest)
        self.files.delete_folder(folder.removeprefix("/"))
        self.invalidate([f"{folder}/*"])
        if self.uses.shown(digest):
            self.make_again(self.records.uploads_of(digest))

    def _showing(self, digest: str, article_id: str) -> None:
        """Record that the article shows the photo; if its renditions were withdrawn after the article was
        stored with them (another article's takedown, followed first), have them made again: the same
        bytes make the same addresses."""
        self.uses.show(digest, article_id)
        if not self.files.holds(photo_dir(digest).removeprefix("/")):
            self.make_again(self.records.uploads_of(digest))

    def follow(self, pairs: Iterable[tuple[ArticleRecord | None, ArticleRecord | None]]) -> list[str]:
        """Record what each article shows after the changes; withdraw the photos nothing shows any more;
        their digests. Each article counts once, from before its first change to after its last, and every
        new showing is recorded before any is dropped: a photo one article leaves and another takes up in the
        same batch stays."""
        changed: dict[str, tuple[set[str], set[str]]] = {}
        for old, new in pairs:
            if (record := new or old) is not None:
                first = changed.get(record.id, (shown_photos(old), set()))[0]
                changed[record.id] = (first, shown_photos(new))
        for article_id, (before, after) in changed.items():
            for digest in sorted(after - before):
                self._showing(digest, article_id)
        withdrawn = []
        for article_id, (before, after) in changed.items():
            for digest in sorted(before - after):
                if not self.uses.hide(digest, article_id):
                    self.withdraw(digest)
                    withdrawn.append(digest)
        return withdrawn
