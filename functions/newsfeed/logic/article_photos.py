"""An article's lead photo sent with it: where the editor's path leads in the inbox, and the image the
article stores (the photo's renditions, as the image function made them). No Pillow here: the ingest only
reads what the image function recorded."""

from __future__ import annotations

import posixpath

from newsfeed.models.article import Image
from newsfeed.models.photo import Photo
from newsfeed.models.upload import ImageUpload


def photo_upload_key(article_key: str, ref: str) -> str:
    """The upload key of a photo named `ref` beside the article uploaded at `article_key`."""
    return posixpath.join(posixpath.dirname(article_key), ref)


def stored_image(given: ImageUpload, photo: Photo | None) -> Image:
    """The image an article stores: as given (a URL), or a photo sent with it, shown as its widest JPEG."""
    words = given.model_dump(include={"alt", "caption", "credit", "focus"})
    if photo is None:
        return Image(url=given.url, **words)
    widest = [r for r in photo.renditions if r.type == "image/jpeg"][-1]
    return Image(
        url=widest.url,
        width=photo.width,
        height=photo.height,
        renditions=photo.renditions,
        crops=photo.crops_for(given.focus) or [],
        **words,
    )
