from datetime import timedelta

from newsfeed.logic.articles import (
    build_article,
    content_change,
    feed_scopes_touched,
    scopes_of,
)
from newsfeed.logic.parsing import parse_upload
from newsfeed.models.article import Unpublished
from newsfeed.models.article_shape import ArticleStatus
from newsfeed.models.scope import SITE, Scope, ScopeKind
from newsfeed.models.upload import UploadRecord
from tests.support.factories import EPOCH, article, markdown

NOW = EPOCH + timedelta(days=1)
RECORD = UploadRecord(key="inbox/a.md", article_id="id-1", slug="a", order="S1")


def build(text: str, previous=None, now=NOW):
    return build_article(
        parse_upload("a.md", text.encode()),
        article_id="id-1",
        source_key="inbox/a.md",
        now=now,
        default_language="kk",
        previous=previous,
    )


def test_a_first_upload_is_published_now_unless_dated() -> None:
    first = build(markdown())
    assert first.published_at == NOW
    assert first.updated_at == NOW
    assert first.revision == 1
    assert first.language == "kk"
    assert first.summary == "Kazakh President Kassym-Jomart Tokayev has explained the crisis."
    dated = build(markdown(published_at="2024-03-29T09:00:00+05:00"))
    assert dated.published_at == EPOCH
    assert dated.updated_at == EPOCH  # publishing is not an update


def test_a_correction_keeps_id_and_first_publication_and_moves_updated() -> None:
    first = build(markdown())
    later = NOW + timedelta(hours=3)
    second = build(markdown(body="Corrected body."), previous=first, now=later)
    assert (second.id, second.published_at, second.revision) == (first.id, first.published_at, 2)
    assert second.updated_at == later
    assert second.content_hash != first.content_hash


def test_the_fingerprint_ignores_nothing_the_editor_wrote() -> None:
    assert build(markdown()).content_hash == build(markdown(), now=NOW + timedelta(days=3)).content_hash
    assert build(markdown()).content_hash != build(markdown(tags="[x]")).content_hash


def test_drafts_are_in_no_list() -> None:
    draft = build(markdown(status="draft"))
    assert draft.status is ArticleStatus.DRAFT
    assert scopes_of(draft) == []


def test_scopes_are_site_section_tags_and_authors() -> None:
    a = article(1, tags=["Economy", "economy", "Asia"], authors=["Ann", "Bob"])
    kinds = [(s.kind, s.slug) for s in scopes_of(a)]
    assert kinds == [
        (ScopeKind.SITE, ""),
        (ScopeKind.SECTION, "kazakhstan-news"),
        (ScopeKind.TAG, "economy"),
        (ScopeKind.TAG, "asia"),
        (ScopeKind.AUTHOR, "ann"),
        (ScopeKind.AUTHOR, "bob"),
    ]


def test_a_removed_tag_touches_that_tags_feed_too() -> None:
    before = article(1, tags=["Economy", "Asia"])
    after = before.model_copy(update={"tags": ["Economy"], "tag_slugs": ["economy"]})
    touched = feed_scopes_touched(before, after)
    assert Scope(ScopeKind.TAG, "asia") in touched
    assert all(s.kind is not ScopeKind.AUTHOR for s in touched)
    gone = Unpublished(id=before.id, slug=before.slug, unpublished_at=NOW)
    assert SITE in feed_scopes_touched(before, gone)


def test_content_change_deletes_left_lists_and_skips_unchanged_cards() -> None:
    before = article(1, tags=["Economy", "Asia"])
    after = before.model_copy(update={"tags": ["Economy"], "tag_slugs": ["economy"], "body": "<p>new</p>"})
    change = content_change(RECORD, after, replaces=before)
    assert [e.scope.slug for e in change.list_deletes] == ["asia"]
    # the card changed (tags), so the remaining lists are rewritten
    assert {e.scope.slug for e in change.list_puts} == {"", "kazakhstan-news", "economy", "kazpost-staff"}
    body_only = content_change(RECORD, before.model_copy(update={"body": "<p>x</p>"}), replaces=before)
    assert body_only.list_puts == () and body_only.list_deletes == ()


def test_unpublishing_leaves_every_list() -> None:
    before = article(1, tags=["Economy"])
    change = content_change(
        RECORD, Unpublished(id=before.id, slug=before.slug, unpublished_at=NOW), replaces=before
    )
    assert change.list_puts == ()
    assert {e.scope.kind for e in change.list_deletes} == {
        ScopeKind.SITE,
        ScopeKind.SECTION,
        ScopeKind.TAG,
        ScopeKind.AUTHOR,
    }


def test_a_slug_change_leaves_a_redirect() -> None:
    old = article(1)
    new = old.model_copy(update={"slug": "new-slug"})
    change = content_change(RECORD, new, replaces=None, moved_from=old)
    assert change.redirect is not None
    assert (change.redirect.slug, change.redirect.moved_to) == (old.slug, "new-slug")
    assert change.list_deletes == ()  # same id and date: the entries are rewritten in place
