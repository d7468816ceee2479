"""Federation's pure parts: signatures hold only for what was signed, what an inbox activity means, which
activities a change sends, and the documents Mastodon reads."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed.logic.federation import documents, inbox, signatures
from newsfeed.logic.federation.activities import outgoing
from newsfeed.logic.federation.delivery import GIVE_UP_SECONDS, retry_delay
from newsfeed.models.article import Image, Unpublished
from newsfeed.models.article_shape import ArticleStatus
from newsfeed.models.fediverse import Fediverse
from tests.support.factories import EPOCH, SITE, article

WE = Fediverse(SITE, "kazpost")
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
INBOX = f"{SITE.url}/ap/inbox"
THEIRS = "https://social.example/users/reader"


@cache
def key() -> str:
    return signatures.new_key_pem()


def signed(body: bytes, now: datetime = NOW, url: str = INBOX) -> dict[str, str]:
    headers = signatures.sign(key(), f"{THEIRS}#main-key", "POST", url, body=body, now=now)
    return {name.lower(): value for name, value in headers.items()}


def check(headers: dict[str, str], body: bytes, target: str = "/ap/inbox", now: datetime = NOW) -> None:
    params = signatures.parse(headers.get("signature", ""))
    signatures.check_fresh_and_covering(params, "POST", headers, body, now)
    signatures.verify(params, signatures.public_pem(key()), "POST", target, headers)


def test_a_signed_request_verifies() -> None:
    body = b'{"type":"Follow"}'
    check(signed(body), body)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            lambda h, b: ({**h, "signature": h["signature"].replace('signature="', 'signature="AAAA')}, b),
            "signature",
        ),
        (lambda h, b: (h, b + b" "), "Digest"),
        (lambda h, b: ({**h, "digest": signatures.digest(b + b"x")}, b + b"x"), "signature"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "signature"}, b), "no Signature"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "digest"}, b), "Digest"),
        (lambda h, b: ({**h, "host": "other.example"}, b), "signature"),
        (lambda h, b: ({**h, "date": "yesterday"}, b), "Date"),
    ],
)
def test_a_changed_request_is_refused(change: Any, why: str) -> None:
    body = b'{"type":"Follow"}'
    headers, sent = change(signed(body), body)
    with pytest.raises(signatures.SignatureRefused, match=why):
        check(headers, sent)


def test_another_target_or_key_is_refused() -> None:
    body = b"{}"
    with pytest.raises(signatures.SignatureRefused, match="does not match"):
        check(signed(body), body, target="/ap/actors/sport/inbox")
    params = signatures.parse(signed(body)["signature"])
    with pytest.raises(signatures.SignatureRefused, match="does not match"):
        signatures.verify(
            params, signatures.public_pem(signatures.new_key_pem()), "POST", "/ap/inbox", signed(body)
        )


@pytest.mark.parametrize("skew", [timedelta(hours=-2), timedelta(hours=2)])
def test_an_old_or_future_date_is_refused(skew: timedelta) -> None:
    body = b"{}"
    with pytest.raises(signatures.SignatureRefused, match="too far"):
        check(signed(body, now=NOW + skew), body)


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_any_signature_header_is_read_or_refused(header: str) -> None:
    with contextlib.suppress(signatures.SignatureRefused):  # anything else fails the test
        signatures.parse(header)


@settings(max_examples=300)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_any_body_is_an_activity_or_refused(body: bytes) -> None:
    try:
        activity = inbox.read(body)
    except inbox.ActivityRefused:
        return
    assert isinstance(activity, dict)
    with contextlib.suppress(inbox.ActivityRefused):
        inbox.meaning(activity, WE, THEIRS)


def test_what_an_inbox_activity_means() -> None:
    follow = {"id": f"{THEIRS}#f1", "type": "Follow", "actor": THEIRS, "object": WE.actor_id("kazpost")}
    assert inbox.meaning(follow, WE, THEIRS) == inbox.Follow(THEIRS, "kazpost", follow)
    assert inbox.meaning({**follow, "object": WE.actor_id("sport")}, WE, THEIRS).name == "sport"  # type: ignore[union-attr]
    assert inbox.meaning({**follow, "object": "https://else.example/u/x"}, WE, THEIRS) is None
    with pytest.raises(inbox.ActivityRefused, match="signed"):
        inbox.meaning(follow, WE, "https://social.example/users/someone-else")
    undo = {"type": "Undo", "actor": THEIRS, "object": follow}
    assert inbox.meaning(undo, WE, THEIRS) == inbox.Unfollow(THEIRS, "kazpost")
    assert inbox.meaning({**undo, "object": follow["id"]}, WE, THEIRS) == inbox.Unfollow(THEIRS, None)
    assert inbox.meaning({"type": "Delete", "actor": THEIRS, "object": THEIRS}, WE, THEIRS) == inbox.Gone(
        THEIRS
    )
    assert inbox.meaning({"type": "Like", "actor": THEIRS, "object": WE.object_id("x")}, WE, THEIRS) is None


def test_a_webfinger_resource_names_our_actor() -> None:
    host = WE.host
    assert WE.name_in(f"acct:kazpost@{host}") == "kazpost"
    assert WE.name_in(f"@Sport@{host.upper()}") == "sport"
    assert WE.name_in(WE.actor_id("kazpost")) == "kazpost"
    assert WE.name_in("acct:kazpost@else.example") is None
    assert WE.name_in(f"acct:../x@{host}") is None


def test_a_publish_is_a_create_and_the_sections_announce() -> None:
    new = article(1, tags=["Climate change", "Astana"])
    sent = outgoing(WE, None, new)
    assert [(o.name, o.activity["type"], o.audiences) for o in sent] == [
        ("kazpost", "Create", ("kazpost",)),
        (new.section_slug, "Announce", (new.section_slug,)),
    ]
    obj = sent[0].activity["object"]
    assert obj["type"] == "Article" and obj["name"] == new.title and obj["url"] == SITE.article_url(new.slug)
    assert obj["summary"] == f"<p>{new.summary}</p>"
    assert [t["name"] for t in obj["tag"]] == ["#Climatechange", "#Astana"]
    assert sent[1].activity["object"] == obj["id"] == WE.object_id(new.id)


def test_a_correction_is_an_update_and_a_takedown_a_delete_to_both_audiences() -> None:
    old = article(1)
    new = article(1, revision=2, title="Article number 1, corrected", slug=old.slug)
    assert [o.activity["type"] for o in outgoing(WE, old, new)] == ["Update"]
    gone = Unpublished(id=old.id, slug=old.slug, unpublished_at=EPOCH)
    (delete,) = outgoing(WE, old, gone)
    assert delete.activity["type"] == "Delete" and delete.activity["object"]["id"] == WE.object_id(old.id)
    assert delete.audiences == ("kazpost", old.section_slug) and delete.to_former_servers


def test_a_new_related_list_sends_nothing() -> None:
    old = article(1)
    assert outgoing(WE, old, old.model_copy(update={"related_slugs": ["another-story"]})) == []


def test_opted_out_drafts_and_scheduled_are_never_sent() -> None:
    assert outgoing(WE, None, article(1, federate=False)) == []
    assert outgoing(WE, None, article(1, status=ArticleStatus.DRAFT)) == []
    old = article(1, federate=False)
    assert outgoing(WE, old, Unpublished(id=old.id, slug=old.slug, unpublished_at=EPOCH)) == []
    (delete,) = outgoing(WE, article(1), article(1, revision=2, federate=False))
    assert delete.activity["type"] == "Delete"


def test_the_lead_photo_is_an_image_with_its_alt_text() -> None:
    shown = article(1, image=Image(url="/images/ferry.jpg", alt="A ferry at dawn"))
    (attachment,) = documents.article_object(WE, shown)["attachment"]
    assert attachment == {
        "type": "Image",
        "mediaType": "image/jpeg",
        "url": f"{SITE.url}/images/ferry.jpg",
        "name": "A ferry at dawn",
    }


def test_retries_grow_to_an_hour() -> None:
    delays = [retry_delay(attempt) for attempt in range(1, 12)]
    assert delays[:3] == [60, 120, 240] and max(delays) == 3600 == delays[-1]
    assert sum(delays) < GIVE_UP_SECONDS


def test_pages_show_their_handle_and_articles_their_object() -> None:
    from dataclasses import replace

    from newsfeed.logic.site.pages import render_article_page, render_scope_page
    from newsfeed.models.scope import SITE as SITE_SCOPE
    from newsfeed.models.scope import Scope, ScopeKind

    site = replace(SITE, fediverse_name="kazpost")
    host = WE.host
    front = render_scope_page(site, SITE_SCOPE, [article(1)]).decode()
    assert f'<a href="{WE.actor_id("kazpost")}" rel="me">@kazpost@{host}</a>' in front
    section = render_scope_page(site, Scope(ScopeKind.SECTION, "sport", "Sport"), [article(1)]).decode()
    assert f'<a href="{WE.actor_id("sport")}" rel="me">@sport@{host}</a>' in section
    shown = article(1)
    page = render_article_page(site, shown).decode()
    assert f'<link rel="alternate" type="application/activity+json" href="{WE.object_id(shown.id)}">' in page
    assert "activity+json" not in render_article_page(site, article(1, federate=False)).decode()
    assert 'rel="me"' not in render_scope_page(SITE, SITE_SCOPE, [article(1)]).decode()  # none configured


def test_an_actor_has_the_sites_icon_and_its_picture_as_header() -> None:
    from dataclasses import replace

    from newsfeed.models.scope import SITE as SITE_SCOPE

    plain = documents.actor(WE, SITE_SCOPE, "PEM")
    assert plain["icon"]["url"].endswith("/icon-512.png") and "image" not in plain
    pictured = Fediverse(replace(SITE, image_url="/images/newsroom.jpg"), "kazpost")
    assert documents.actor(pictured, SITE_SCOPE, "PEM")["image"] == {
        "type": "Image",
        "url": f"{SITE.url}/images/newsroom.jpg",
    }
