"""What the publisher hands to the bulk lane comes out the same, however it is cut into messages."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newsfeed.logic.site.lanes import PAGE_GROUPS, BulkWork, ScopeWork, from_messages, to_messages
from newsfeed.models.backlog import Backlog
from newsfeed.models.scope import Scope, ScopeKind

slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,80}", fullmatch=True)
stamps = st.integers(0, 10**39).map(lambda n: f"{n:040d}")
scopes = st.builds(
    Scope, st.sampled_from([ScopeKind.SITE, ScopeKind.SECTION, ScopeKind.TAG]), slugs, st.text(max_size=40)
)
works = st.builds(
    BulkWork,
    pages=st.sets(slugs, max_size=1500),
    scopes=st.dictionaries(
        scopes,
        st.builds(
            ScopeWork, st.dictionaries(slugs, stamps, max_size=50), st.dictionaries(slugs, stamps, max_size=5)
        ),
        max_size=6,
    ),
)


@given(work=works, handed_in=st.integers(0, 2 * 10**8))
def test_every_page_and_scope_comes_back_once_and_is_counted_once(work: BulkWork, handed_in: int) -> None:
    messages = to_messages(work, handed_in)
    back, backlog = from_messages(body for _, body, _ in messages)
    assert back.pages == work.pages and back.scopes == work.scopes
    slots = {handed_in: len(messages)} if messages else {}
    assert backlog == Backlog(len(work.pages), len(work.scopes), slots)
    assert all(len(body.encode()) < 256 * 1024 for _, body, _ in messages)  # SQS's limit
    groups = {group for group, _, _ in messages}
    assert len([g for g in groups if g.startswith("pages-")]) <= PAGE_GROUPS


@given(first=works, second=works)
def test_merged_work_keeps_the_newest_stamp_of_each_entry_and_exit(first: BulkWork, second: BulkWork) -> None:
    merged, _ = from_messages(body for work in (first, second) for _, body, _ in to_messages(work, 0))
    for scope, work in merged.scopes.items():
        for slug, stamp in work.entered.items():
            sources = [w.scopes[scope].entered.get(slug, "") for w in (first, second) if scope in w.scopes]
            assert stamp == max(sources)


images = st.dictionaries(
    st.sampled_from(["title", "body", "section", "tags", "status"]),
    st.builds(lambda s: {"S": s}, st.text()),
    min_size=1,
)


@given(
    old=images,
    new=images,
    old_list=st.text(),
    new_list=st.text(),
    imported=st.booleans(),
    before=st.booleans(),
)
def test_an_import_is_its_articles_changes_and_not_the_related_lists_landing_on_them(
    old: dict[str, object],
    new: dict[str, object],
    old_list: str,
    new_list: str,
    *,
    imported: bool,
    before: bool,
) -> None:
    """The local stack holds the bulk lane's pages back while the related lists relate an import's articles,
    and not while lists land on imported articles (every publish sets that off); both are bulk work."""
    from newsfeed.dal.items import is_bulk, is_imported

    lane = {"lane": {"S": "bulk"}} if imported else {}
    stored = {**old, "related": {"S": old_list}, **lane} if before else None
    for changed in (new, old if before else new):  # any change, and one of nothing but the related list
        record = {
            "dynamodb": {"OldImage": stored, "NewImage": {**changed, "related": {"S": new_list}, **lane}}
        }
        list_only = before and changed == old
        assert is_imported(record) is (imported and not list_only)
        assert is_bulk(record) is (imported or list_only)


@given(value=st.text())
def test_any_races_attribute_reads_as_a_count_never_an_error(value: str) -> None:
    from newsfeed.dal.bulk_lane import RACES, races_lost

    lost = races_lost({"messageAttributes": {RACES: {"stringValue": value, "dataType": "Number"}}})
    assert lost == (int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0)
    assert races_lost({"messageAttributes": {RACES: {"stringValue": "9" * 5000}}}) == 0
