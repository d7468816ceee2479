"""An article's lead photo sent with it: where the editor's path leads in the inbox, and the image the
article stores (the photo's renditions, as the image function made them). No Pillow here: the ingest only
reads what the image function recorded."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from newsfeed.models import limits
from newsfeed.models.article import Image
from newsfeed.models.fields import is_photo_ref
from newsfeed.models.photo import Photo, Rendition
from newsfeed.models.upload import ImageUpload

_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\ssrc="([^"]*)"')
_ALT = re.compile(r'\salt="([^"]*)"')
_SHOWN_SRC = re.compile(r'\ssrc="[^"]*" width="\d+" height="\d+" loading="lazy"')  # body_with_photos's


@dataclass(frozen=True)
class SentPhotos:
    """The photos an article's file names beside it, as the image function made them."""

    lead: Photo | None = None
    body: Mapping[str, Photo] = field(default_factory=dict)  # as the body names each -> the photo

    @property
    def digests(self) -> list[str]:
        return sorted({p.digest for p in [*([self.lead] if self.lead else []), *self.body.values()]})


def body_photo_refs(body_html: str) -> list[str]:
    """The photos the body shows by a path beside the article (`![alt](photos/harbour.jpg)`), in order."""
    return list(dict.fromkeys(_photo_tags(body_html)))


def too_many_photos(body_html: str) -> str | None:
    """Why the body shows too many photos (each <img> of one counts), in words for the editor; else None."""
    if (shown := len(_photo_tags(body_html))) > limits.MAX_BODY_PHOTOS:
        return f"shows photos sent with it {shown} times; the limit is {limits.MAX_BODY_PHOTOS}"
    return None


def _photo_tags(body_html: str) -> list[str]:
    srcs = (_SRC.search(tag) for tag in _IMG.findall(body_html))
    return [ref for src in srcs if src is not None and names_photo(ref := html.unescape(src[1]))]


def names_photo(ref: str) -> bool:
    """Whether `ref` is a path to a photo beside the article: no scheme, no `..`, a photo's suffix."""
    parts = ref.split("/")
    return (
        is_photo_ref(ref)
        and not ref.lower().startswith(("data:", "mailto:", "#", "?"))
        and ":" not in parts[0]
        and all(part not in ("", ".", "..") for part in parts)
        and ref.lower().endswith(limits.PHOTO_SUFFIXES)
    )


def _widest_jpeg(photo: Photo) -> Rendition:
    return [r for r in photo.renditions if r.type == "image/jpeg"][-1]


def swap_images(body_html: str, swap: Callable[[str, str], str | None]) -> str:
    """`body_html` with each <img> `swap(tag, src)` gives another tag for (src unescaped); the rest kept."""

    def swapped(tag: re.Match[str]) -> str:
        src = _SRC.search(tag[0])
        return (swap(tag[0], html.unescape(src[1])) if src else None) or tag[0]

    return _IMG.sub(swapped, body_html)


def body_with_photos(body_html: str, photos: Mapping[str, Photo]) -> str:
    """The body with each photo it names beside it shown from its renditions: its widest JPEG, with its
    width and height (no layout shift) and loaded lazily. (Pages show them as <picture>: body_images.)"""

    def shown(tag: str, src: str) -> str | None:
        if (photo := photos.get(src)) is None:
            return None
        sized = f' src="{html.escape(_widest_jpeg(photo).url)}" width="{photo.width}" height="{photo.height}"'
        return _SRC.sub(lambda _: sized + ' loading="lazy"', tag, count=1)

    return swap_images(body_html, shown) if photos else body_html


def body_with_refs(body_html: str, refs: Mapping[str, str]) -> str:
    """body_with_photos undone: each photo's <img> named again by the path it was sent at (`refs`: the
    image's address -> that path), so the body sent again makes the same body."""

    def named(tag: str, src: str) -> str | None:
        if (ref := refs.get(src)) is None:
            return None
        return _SHOWN_SRC.sub(lambda _: f' src="{html.escape(ref)}"', tag, count=1)

    return swap_images(body_html, named) if refs else body_html


def body_images(body_html: str, photos: Mapping[str, Photo]) -> list[Image]:
    """The photos the body shows (`body_html` as the editor wrote it), in its order, as the article stores
    them: each under the address body_with_photos gives its <img>, with its size and renditions. (Not its
    alt text: the body has it, and a copy could double the article's size.)"""
    images: dict[str, Image] = {}
    for ref in body_photo_refs(body_html):
        if (photo := photos.get(ref)) is not None and (url := _widest_jpeg(photo).url) not in images:
            images[url] = Image(url=url, width=photo.width, height=photo.height, renditions=photo.renditions)
    return list(images.values())


def alt_text(img_tag: str) -> str:
    """The alt text of an <img> tag, as text."""
    return html.unescape(alt[1]) if (alt := _ALT.search(img_tag)) else ""


def photo_upload_key(article_key: str, ref: str) -> str:
    """The upload key of a photo named `ref` beside the article uploaded at `article_key`."""
    return posixpath.join(posixpath.dirname(article_key), ref)


def stored_image(given: ImageUpload, photo: Photo | None) -> Image:
    """The image an article stores: as given (a URL), or a photo sent with it, shown as its widest JPEG."""
    words = given.model_dump(include={"alt", "caption", "credit", "focus"})
    if photo is None:
        return Image(url=given.url, **words)
    widest = _widest_jpeg(photo)
    return Image(
        url=widest.url,
        width=photo.width,
        height=photo.height,
        renditions=photo.renditions,
        crops=photo.crops_for(given.focus) or [],
        **words,
    )
