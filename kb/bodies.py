"""Raw response bodies, stored once per distinct body (sha256), zlib-compressed.

Kept so answers can be rebuilt without fetching (``kb reextract``): a rules change re-reads the
bodies the KB already has instead of hitting the sites again.
"""

from __future__ import annotations

import hashlib
import zlib

from sqlmodel import Session, select

from kb import clock
from kb.locks import insert_or_skip
from kb.models import Body


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def store_body(session: Session, body: bytes, content_type: str | None = None) -> str:
    """Store ``body`` unless it is there already; return its sha256 hex.

    INSERT … ON CONFLICT DO NOTHING, so two workers storing the same body at once neither fail
    nor duplicate it.
    """
    digest = body_hash(body)
    values = {
        "hash": digest,
        "data": zlib.compress(body, 6),
        "size": len(body),
        "content_type": content_type,
        "first_seen": clock.now(),
    }
    insert_or_skip(session, Body, values, "hash")
    return digest


def load_body(session: Session, digest: str) -> bytes:
    """The body stored under ``digest``; KeyError when the KB does not have it."""
    data = session.exec(select(Body.data).where(Body.hash == digest)).first()
    if data is None:
        raise KeyError(f"no stored body {digest}")
    return zlib.decompress(data)
