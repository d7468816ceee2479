"""HTTP signatures as the fediverse sends them (draft-cavage-http-signatures-12, RSA-SHA256: Mastodon's, and
Fedify's fallback), signed and verified; the `Digest` of a body (RFC 3230, SHA-256).

A request we accept was signed over `(request-target)`, `host` and `date` (and `digest`, with a body), at most
`CLOCK_WINDOW_SECONDS` from now, by the key it names. The host and path checked are the site's, never the
request's own `Host` (CloudFront sends the origin's). What is refused says why, for the log; the sender gets
only 401.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

CLOCK_WINDOW_SECONDS = 3600  # as Fedify's default: a sender's clock may be this far off, either way
MAX_SIGNATURE_HEADER = 8192
SIGNED_FOR_POST = ("(request-target)", "host", "date", "digest")
SIGNED_FOR_GET = ("(request-target)", "host", "date")
ALGORITHMS = {"rsa-sha256", "hs2019"}  # hs2019: "the key says"; ours and Mastodon's keys are RSA
_PARAM = re.compile(r'\s*([a-zA-Z]+)="([^"]*)"\s*(?:,|$)')


class SignatureRefused(Exception):
    """The request's signature does not hold; the message says why."""


@dataclass(frozen=True)
class SignatureParams:
    key_id: str
    headers: tuple[str, ...]
    signature: bytes
    algorithm: str


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse(header: str) -> SignatureParams:
    """The parameters of a `Signature` header; SignatureRefused if it is not one."""
    if not header or len(header) > MAX_SIGNATURE_HEADER:
        raise SignatureRefused("no Signature header" if not header else "Signature header too long")
    params: dict[str, str] = {}
    position = 0
    while position < len(header):
        match = _PARAM.match(header, position)
        if match is None or match.end() == position:
            raise SignatureRefused("malformed Signature header")
        params[match.group(1).lower()] = match.group(2)
        position = match.end()
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ALGORITHMS:
        raise SignatureRefused(f"unsupported algorithm {algorithm!r}")
    if "keyid" not in params or "signature" not in params:
        raise SignatureRefused("Signature header lacks keyId or signature")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError:
        raise SignatureRefused("signature is not base64") from None
    names = tuple(params.get("headers", "date").lower().split())
    return SignatureParams(params["keyid"], names, signature, algorithm)


def signing_string(names: tuple[str, ...], method: str, target: str, headers: Mapping[str, str]) -> bytes:
    """The lines a signature covers; `target` is the path and query, `headers` by lower-case name."""
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name in headers:
            lines.append(f"{name}: {headers[name].strip()}")
        else:
            raise SignatureRefused(f"signed header {name!r} is missing")
    return "\n".join(lines).encode()


def sign(
    private_key_pem: str, key_id: str, method: str, url: str, *, body: bytes | None, now: datetime
) -> dict[str, str]:
    """The headers that sign a request to `url`: Host, Date, Digest (with a body) and Signature."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"host": parts.netloc, "date": http_date(now)}
    if body is not None:
        headers["digest"] = digest(body)
    names = SIGNED_FOR_POST if body is not None else SIGNED_FOR_GET
    signed = _private(private_key_pem).sign(
        signing_string(names, method, target, headers), padding.PKCS1v15(), hashes.SHA256()
    )
    value = base64.b64encode(signed).decode()
    covered = " ".join(names)
    return {
        "Host": headers["host"],
        "Date": headers["date"],
        **({"Digest": headers["digest"]} if body is not None else {}),
        "Signature": f'keyId="{key_id}",algorithm="rsa-sha256",headers="{covered}",signature="{value}"',
    }


def check_fresh_and_covering(
    params: SignatureParams, method: str, headers: Mapping[str, str], body: bytes, now: datetime
) -> None:
    """What can be checked before the key is fetched: the signature covers what it must, the date is near,
    the body is the one signed. SignatureRefused otherwise."""
    required = SIGNED_FOR_POST if method.upper() == "POST" else SIGNED_FOR_GET
    if missing := [name for name in required if name not in params.headers]:
        raise SignatureRefused(f"signature does not cover {', '.join(missing)}")
    try:
        sent = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError, IndexError):
        raise SignatureRefused("Date header is not an HTTP date") from None
    if sent.tzinfo is None or abs((now - sent).total_seconds()) > CLOCK_WINDOW_SECONDS:
        raise SignatureRefused("Date is too far from now (expired or from the future)")
    if method.upper() == "POST":
        algorithm, _, value = headers.get("digest", "").partition("=")
        if algorithm.strip().lower() != "sha-256" or value.strip() != digest(body).partition("=")[2]:
            raise SignatureRefused("Digest does not match the body")


def verify(
    params: SignatureParams, public_key_pem: str, method: str, target: str, headers: Mapping[str, str]
) -> None:
    """The signature is the key's over these headers; SignatureRefused otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
    except (ValueError, TypeError):
        raise SignatureRefused("the sender's key is not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureRefused("the sender's key is not an RSA key")
    try:
        key.verify(
            params.signature,
            signing_string(params.headers, method, target, headers),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        raise SignatureRefused("signature does not match") from None


def new_key_pem() -> str:
    """A new RSA key for our actors (2048 bits, as Mastodon's), as PKCS#8 PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@lru_cache(maxsize=4)
def _private(private_key_pem: str) -> RSAPrivateKey:
    """Our key, loaded once per process: loading checks the key, which takes tens of milliseconds."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("our actors' key must be an RSA key")
    return key


@lru_cache(maxsize=4)
def public_pem(private_key_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    public = _private(private_key_pem).public_key()
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
