"""What a crawl may fetch: http(s) only, on the scheme + host + port its scope names, never a private address.

Pure rules (no Scrapy): the crawler's scope middleware, redirect check, link filter, resolver and the
browser's subrequest filter all ask these, so there is one answer to "may we fetch this?".

- A URL of any other scheme (``file:``, ``ftp:``, ``data:`` ...), without a host, or with user info
  (``http://user@host/``) is never in scope.
- An *origin* (scheme, host, port) is in scope exactly. A *domain* (a profile's hosts, a start URL on
  its scheme's default port) covers that host and its subdomains on the default web ports, http or
  https (a site moving to https is the same site); never another port.
- An empty scope allows nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
WEB_SCHEMES = frozenset(DEFAULT_PORTS)

Origin = tuple[str, str, int]  # (scheme, host, port), the port always filled in


@lru_cache(maxsize=65536)
def origin(url: str) -> Origin | None:
    """``url``'s (scheme, host, port); None when it is not a plain http(s) URL we would fetch."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a port that is not a number, a broken IPv6 literal
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in WEB_SCHEMES or not host or "@" in parts.netloc:
        return None
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


def is_web_url(url: str) -> bool:
    """True for an http(s) URL with a host: the only kind the crawler ever requests."""
    return origin(url) is not None


def web_scheme(url: str) -> bool:
    """True when ``url``'s scheme is http or https (whatever else is wrong with it)."""
    return urlsplit(url.strip()).scheme.lower() in WEB_SCHEMES


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _under(host: str, domain: str) -> bool:
    if host == domain:
        return True
    return not is_ip(domain) and host.endswith("." + domain)


@dataclass(frozen=True)
class Scope:
    """The origins and domains a crawl (or one site of it) may fetch from."""

    origins: frozenset[Origin] = frozenset()
    domains: frozenset[str] = frozenset()

    @classmethod
    def of(cls, urls: Iterable[str] = (), domains: Iterable[str] = ()) -> Scope:
        """The scope of start URLs and domains: a URL on a non-default port is its exact origin only."""
        origins, names = set(), {d.lower().rstrip(".") for d in domains if d}
        for url in urls:
            o = origin(url)
            if o is None:
                continue
            origins.add(o)
            if o[2] == DEFAULT_PORTS[o[0]]:
                names.add(o[1])
        return cls(frozenset(origins), frozenset(names))

    def __or__(self, other: Scope) -> Scope:
        return Scope(self.origins | other.origins, self.domains | other.domains)

    def __bool__(self) -> bool:
        return bool(self.origins or self.domains)

    def allows(self, url: str) -> bool:
        o = origin(url)
        if o is None:
            return False
        if o in self.origins:
            return True
        scheme, host, port = o
        return port == DEFAULT_PORTS[scheme] and any(_under(host, d) for d in self.domains)

    def why_not(self, url: str) -> str | None:
        """None when ``url`` is in scope, else the word its drop is counted under (scheme / offsite)."""
        if self.allows(url):
            return None
        return "offsite" if web_scheme(url) else "scheme"


# ---- addresses --------------------------------------------------------------------------------------

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def private_reason(address: str) -> str | None:
    """Why a resolved address is not on the public internet ("loopback", "private" ...), None if it is.

    IPv6 forms of IPv4 addresses (``::ffff:10.0.0.1``, 6to4, NAT64) are judged by the IPv4 inside.
    An address that does not parse is refused too: we connect only where we know where that is.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
    except ValueError:
        return "unreadable"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return private_reason(str(inner)) or None
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("CGNAT", isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not global", not ip.is_global),
    )
    return next((why for why, hit in checks if hit), None)


def is_loopback_name(host: str) -> bool:
    """True for a host that names this machine itself: ``localhost`` or a loopback IP literal."""
    host = host.lower().rstrip(".").strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
