"""Canonical URLs: the page's identity. Tracking parameters and fragments never make a second page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from sites.scope import DEFAULT_PORTS, origin

# Exact parameter names that only say where a visitor came from.
TRACKING_PARAMS = frozenset(
    {
        "from",
        "spm",
        "share",
        "share_from",
        "source",
        "src",
        "ref",
        "referer",
        "fromapp",
        "fr",
        "tt_from",
        "scene",
        "isappinstalled",
        "wxshare_count",
        "sharer_shareid",
        "sharer_sharetime",
        "timestamp",
        "_t",
        "fbclid",
        "gclid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "from_source",
        "share_token",
        "bd_vid",
        "sourcefrom",
        # session ids: a new one per visit would make every page new every night
        "jsessionid",
        "phpsessid",
        "aspsessionid",
        "sessionid",
    }
)
TRACKING_PREFIXES = ("utm_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci", "pk_", "mtm_")


_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/;]*", re.I)  # /a.html;jsessionid=ABC


def is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


@lru_cache(maxsize=65536)  # pure, and the same nav / card links come back on every page
def canonicalize(url: str) -> str:
    """Lower-case scheme/host, default port dropped, tracking parameters and fragment dropped, query sorted.

    Non-ASCII is percent-encoded as UTF-8 (and escapes upper-cased), the way Scrapy sends a request:
    ``/问答/1.html`` from a link and ``/%E9%97%AE%E7%AD%94/1.html`` from a response are one page.
    """
    parts = urlsplit(safe_url_string(url.strip()))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or (scheme, port) in {("http", 80), ("https", 443)} else f"{host}:{port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k))
    path = _ESCAPE.sub(lambda m: m.group(0).upper(), _PATH_SESSION.sub("", parts.path) or "/")
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def in_domains(url: str, allowed: Sequence[str]) -> bool:
    """``url``'s host is one of ``allowed`` or a subdomain of one (Scrapy's rule); an empty list allows
    nothing. Host names only: what a crawl may fetch is ``sites.scope`` (scheme + host + port)."""
    if not allowed:
        return False
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in allowed)


def same_host(a: str, b: str) -> bool:
    """Same host, and the same port (or both on their scheme's default: http -> https is one site)."""
    oa, ob = origin(a), origin(b)
    if oa is None or ob is None or oa[1] != ob[1]:
        return False
    return oa[2] == ob[2] or (oa[2] == DEFAULT_PORTS[oa[0]] and ob[2] == DEFAULT_PORTS[ob[0]])


def _points_up(target: str, fetched: str) -> bool:
    """True when ``target``'s path is the site root or a folder above ``fetched``'s (a listing)."""
    t, f = urlsplit(target).path.rstrip("/"), urlsplit(fetched).path.rstrip("/")
    return t != f and (t == "" or f.startswith(t + "/"))


def page_url(fetched_url: str, rel_canonical: str | None) -> str:
    """The URL a fetched page is stored under: its rel=canonical when it stays on the same host and port
    (a canonical elsewhere would make the KB revisit a URL the crawl's scope never allowed).

    A canonical naming the home page or a folder above the page (``/ask/1.html`` -> ``/ask/``) is a
    common template mistake, not a statement that the pages are one: honouring it would fold every
    question of the site into one page, so it is ignored.
    """
    if rel_canonical:
        target = urljoin(fetched_url, rel_canonical)
        if (
            urlsplit(target).scheme in {"http", "https"}
            and same_host(target, fetched_url)
            and not _points_up(target, fetched_url)
        ):
            return canonicalize(target)
    return canonicalize(fetched_url)


# --- secrets in URLs: what the program prints or logs never carries a password -------------------------

# scheme://user:password@host (the user may be empty: redis://:password@host; the password runs to the
# last @ of the authority, so an unescaped @ in it is masked too), and ?password=... in a
# query. A scheme is matched from its start only (the lookbehind): linear on any text.
_URL_PASSWORD = re.compile(r"(?<![A-Za-z0-9+.\-])([A-Za-z][A-Za-z0-9+.\-]*://[^/:@\s]*):[^/\s]+@")
_QUERY_PASSWORD = re.compile(r"(?<![A-Za-z0-9_])((?:password|passwd|pwd)=)[^&\s'\"]+", re.I)
MASK = "***"


def mask_secrets(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***`` (``redis://:***@host``)."""
    return _QUERY_PASSWORD.sub(rf"\1{MASK}", _URL_PASSWORD.sub(rf"\1:{MASK}@", text))


def mask_url(url: str) -> str:
    """One URL as it may be shown: its password masked (the same rule as :func:`mask_secrets`)."""
    return mask_secrets(url)
