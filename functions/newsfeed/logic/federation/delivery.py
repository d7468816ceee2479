"""How activities reach followers' servers: the queue's messages, the retry schedule and when a server is
given up.

A change becomes one `fanout` message per activity (the publisher's); the delivery function reads the
follower servers of its audiences a page at a time and queues one `deliver` message per server (a server that
follows the site and the section gets one `Delete`); each is signed and POSTed. A failure
is tried again after a growing delay; a server that answers 410 Gone is forgotten at once, one that has failed
for `GIVE_UP_SECONDS` is forgotten then.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from newsfeed.logic.federation.activities import Outgoing

FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 3600
GIVE_UP_SECONDS = 3 * 24 * 3600  # a server down for three days has lost its followers' interest, or itself


def retry_delay(attempt: int) -> int:
    """Seconds before attempt `attempt + 1` after `attempt` failures: 60, 120, 240, ... at most an hour."""
    return int(min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, min(attempt, 20) - 1)))


def fanout_message(outgoing: Outgoing, audience: int = 0, after: str | None = None) -> dict[str, Any]:
    """The message that sends `outgoing` to the servers of its audience `audience`, from `after` on."""
    fields = asdict(outgoing)
    fields.pop("summary", None)
    return {"fanout": {**fields, "audience": audience, "after": after}}


def outgoing_of(fanout: dict[str, Any]) -> Outgoing:
    return Outgoing(
        fanout["name"], fanout["activity"], tuple(fanout["audiences"]), bool(fanout["to_former_servers"])
    )


def deliver_message(inbox: str, outgoing: Outgoing, names: list[str]) -> dict[str, Any]:
    """The message that delivers `outgoing` to one server's inbox; `names`: whose followers are there."""
    return {
        "deliver": {"inbox": inbox, "signer": outgoing.name, "names": names, "activity": outgoing.activity}
    }
