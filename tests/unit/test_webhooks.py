"""Webhook signatures and retry delays."""

from __future__ import annotations

from newsfeed.logic.webhooks import retry_delay, signature, verify


def test_a_signature_is_hmac_sha256_of_timestamp_and_body() -> None:
    # computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
    assert signature("key", 1700000000, b'{"a":1}') == (
        "t=1700000000,v1=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
    )


def test_verify_refuses_old_or_altered_deliveries() -> None:
    header = signature("key", 1000, b"body")
    assert verify("key", header, b"body", now=1100)
    assert not verify("key", header, b"body", now=1000 + 301)
    assert not verify("key", header, b"bodY", now=1000)
    assert not verify("key", "t=abc,v1=00", b"body", now=1000)
    assert not verify("key", "", b"body", now=1000)


def test_retries_back_off_to_a_quarter_hour() -> None:
    assert [retry_delay(n) for n in range(1, 8)] == [60, 120, 240, 480, 900, 900, 900]
