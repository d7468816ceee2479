"""A photo an editor sent, as the image function made it public: its renditions and crops, each at an
address derived from the photo's content (never rewritten, so cached for a year), with no metadata."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from newsfeed.models import limits

# Bumped whenever renditions of the same photo would come out different: new addresses, never a changed file.
RENDITIONS_VERSION = "1"


class Rendition(BaseModel):
    """One file of a photo: where it is on the site, its size in pixels and its media type."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    url: str  # a path on the site, like an image's url: /images/<digest>/w800.avif
    width: int
    height: int
    type: str


class Crop(Rendition):
    """A rendition cut to a ratio consumers ask for (`limits.PHOTO_CROPS`' names: og, 16x9, 4x3, 1x1)."""

    name: str


def _focus_text(value: object) -> object:
    """`focus: 0.3, 0.4` (as an editor writes it) means x 0.3, y 0.4."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",")]
        if len(parts) != 2:
            raise ValueError(
                "must be two fractions, across and down: `focus: 0.3, 0.4` (0.5, 0.5 is the centre)"
            )
        return {"x": parts[0], "y": parts[1]}
    return value


class Focus(BaseModel):
    """The point of a photo a crop keeps in view: fractions of its width and height from the top left."""

    model_config = ConfigDict(frozen=True, defer_build=True, extra="forbid")

    x: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.5
    y: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.5

    @property
    def label(self) -> str:
        """As a crop's address carries it: `50-50` for the centre."""
        return f"{round(self.x * 100)}-{round(self.y * 100)}"


class Photo(BaseModel):
    """What the image function made of one version of an uploaded photo."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str  # the upload, under inbox/
    etag: str  # the version of it these renditions were made from
    digest: str  # of its bytes and RENDITIONS_VERSION: the folder of its renditions
    width: int  # as it is seen (EXIF orientation applied)
    height: int
    renditions: list[Rendition]  # every width in every format, narrowest first; JPEG last within a width
    crops: list[Crop]  # around the centre
    crops_at: dict[str, list[Crop]] = {}  # around other focal points articles asked for, by Focus.label

    def crops_for(self, focus: Focus | None) -> list[Crop] | None:
        """The crops around `focus` (the centre if None), if they have been made."""
        if focus is None or focus.label == Focus().label:
            return self.crops
        return self.crops_at.get(focus.label)


class CropRequest(BaseModel):
    """An article asks for a photo's crops around its own focal point (the ingest, to the image function)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    crop: str  # the photo's upload key
    etag: str  # of the version the photo's record was made from
    focus: Focus


def photo_dir(digest: str) -> str:
    """The site path of a photo's renditions (the public bucket's key, with a leading '/')."""
    return f"/{limits.PHOTO_PREFIX}{digest}"


def rendition_key(rendition: Rendition) -> str:
    """Where a rendition is in the public bucket."""
    return rendition.url.removeprefix("/")


def is_photo_key(key: str) -> bool:
    """Whether an upload is a photo (by its name: its content is checked by the image function)."""
    return key.lower().endswith(limits.PHOTO_SUFFIXES)


def digest_in(url: str) -> str | None:
    """The digest of the photo a rendition's address belongs to (None for any other address)."""
    folder = f"/{limits.PHOTO_PREFIX}"
    if not url.startswith(folder):
        return None
    digest = url[len(folder) :].split("/", 1)[0]
    return digest or None


FocusPoint = Annotated[Focus, BeforeValidator(_focus_text)]
