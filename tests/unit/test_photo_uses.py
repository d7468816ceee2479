"""Whatever articles come and go with whatever photos, a photo is served exactly while an article shows it
(a draft's or a scheduled one's included: it will be published with it), and each withdrawal also clears the
CDN's caches."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from newsfeed.logic.site.photo_uses import PhotoShowing
from newsfeed.models.article import Article, ArticleRecord, Image
from newsfeed.models.article_shape import ArticleStatus
from newsfeed.models.photo import Rendition
from tests.support.factories import article

DIGESTS = ["aaaa", "bbbb", "cccc"]


@dataclass
class Uses:
    pairs: set[tuple[str, str]] = field(default_factory=set)

    def show(self, digest: str, article_id: str) -> None:
        self.pairs.add((digest, article_id))

    def hide(self, digest: str, article_id: str) -> bool:
        self.pairs.discard((digest, article_id))
        return self.shown(digest)

    def shown(self, digest: str) -> bool:
        return any(d == digest for d, _ in self.pairs)


@dataclass
class Served:
    folders: set[str] = field(default_factory=lambda: {f"images/{d}" for d in DIGESTS})
    invalidated: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)

    def delete_folder(self, folder: str) -> list[str]:
        self.folders.discard(folder)
        return [f"{folder}/w480.jpg"]

    def forget_digest(self, digest: str) -> None:
        self.forgotten.append(digest)

    def holds(self, folder: str) -> bool:
        return folder in self.folders

    def uploads_of(self, digest: str) -> list[str]:
        return [f"inbox/{digest}.jpg"]  # kept after a withdrawal

    def make_again(self, keys: list[str]) -> None:
        """The image function makes each upload again: the same bytes, the same folder."""
        self.folders.update(f"images/{key.removeprefix('inbox/').removesuffix('.jpg')}" for key in keys)


def version(n: int, digest: str | None, status: ArticleStatus) -> Article:
    image = None
    if digest is not None:
        image = Image(
            url=f"/images/{digest}/w480.jpg",
            renditions=[
                Rendition(url=f"/images/{digest}/w480.jpg", width=480, height=360, type="image/jpeg")
            ],
        )
    return article(n, image=image, status=status)


CHANGES = st.lists(
    st.tuples(
        st.integers(0, 3),  # which article
        st.sampled_from([None, *DIGESTS]),  # its photo now
        st.sampled_from([ArticleStatus.PUBLISHED, ArticleStatus.DRAFT, None]),  # None: unpublished
    ),
    max_size=30,
)


@given(CHANGES)
def test_a_photo_is_served_exactly_while_an_article_shows_it(
    changes: list[tuple[int, str | None, ArticleStatus | None]],
) -> None:
    served = Served()
    showing = PhotoShowing(Uses(), served, served, served.invalidated.extend, served.make_again)
    now: dict[int, ArticleRecord | None] = {}
    ever_shown: set[str] = set()
    for n, digest, status in changes:
        new = version(n, digest, status) if status is not None else None
        if digest and status is not None:
            served.folders.add(f"images/{digest}")  # stored only once its photo was made (again)
            ever_shown.add(digest)
        showing.follow([(now.get(n), new)])
        now[n] = new
        shown = {
            r.image.renditions[0].url.split("/")[2]
            for r in now.values()
            if isinstance(r, Article) and r.image
        }
        for d in shown:
            assert f"images/{d}" in served.folders  # never withdrawn while shown
        for d in ever_shown - shown:
            assert f"images/{d}" not in served.folders  # shown once, shown no more: withdrawn
            assert f"/images/{d}/*" in served.invalidated and d in served.forgotten


@given(CHANGES, st.lists(st.integers(1, 6), min_size=1))
def test_followed_in_batches_of_any_size_a_photo_one_article_leaves_and_another_takes_stays(
    changes: list[tuple[int, str | None, ArticleStatus | None]], sizes: list[int]
) -> None:
    served = Served()
    showing = PhotoShowing(Uses(), served, served, served.invalidated.extend, served.make_again)
    now: dict[int, ArticleRecord | None] = {}
    at = 0
    while at < len(changes):
        size = sizes[at % len(sizes)]
        pairs = []
        for n, digest, status in changes[at : at + size]:
            new = version(n, digest, status) if status is not None else None
            if digest and status is not None:
                served.folders.add(f"images/{digest}")
            pairs.append((now.get(n), new))
            now[n] = new
        showing.follow(pairs)
        at += size
        for r in now.values():
            if isinstance(r, Article) and r.image:
                assert f"images/{r.image.renditions[0].url.split('/')[2]}" in served.folders


@given(CHANGES, st.lists(st.integers(1, 6), min_size=1), st.lists(st.booleans(), min_size=1))
def test_an_article_stored_with_a_photo_a_takedown_then_withdraws_gets_it_made_again(
    changes: list[tuple[int, str | None, ArticleStatus | None]], sizes: list[int], resent: list[bool]
) -> None:
    """The ingest stores each batch's articles (with their photos as it finds them then) while the
    publisher is still following the batch before, which may withdraw one of those photos."""
    served = Served()
    showing = PhotoShowing(Uses(), served, served, served.invalidated.extend, served.make_again)
    now: dict[int, ArticleRecord | None] = {}
    batches: list[list[tuple[int, str | None, ArticleStatus | None]]] = []
    at = 0
    while at < len(changes):
        batches.append(changes[at : at + sizes[len(batches) % len(sizes)]])
        at += len(batches[-1])
    followed: list[tuple[ArticleRecord | None, ArticleRecord | None]] = []
    for number, batch in enumerate(batches):
        stored: list[tuple[ArticleRecord | None, ArticleRecord | None]] = []
        for n, digest, status in batch:
            new = version(n, digest, status) if status is not None else None
            if digest and status is not None:
                if resent[number % len(resent)]:  # sent again with it, as newsfeed publish does
                    served.folders.add(f"images/{digest}")
                elif f"images/{digest}" not in served.folders:
                    continue  # no photo made: the ingest waits for it, and stores nothing yet
            stored.append((now.get(n), new))
            now[n] = new
        showing.follow(followed)  # the batch before, followed while this one was stored
        followed = stored
    showing.follow(followed)
    for r in now.values():
        if isinstance(r, Article) and r.image:
            assert f"images/{r.image.renditions[0].url.split('/')[2]}" in served.folders
