"""The crawl's name resolver: what a host resolves to is checked at connect time, every time.

A public-looking host that resolves to loopback, a private network, link-local (169.254.169.254, the
cloud metadata service), CGNAT, multicast or a reserved range is refused *after* resolution, on the
addresses the connection would use: a DNS answer that changes between two lookups (rebinding) cannot get
round it. Installed as ``TWISTED_DNS_RESOLVER`` (crawler/settings.py); Twisted's HostnameEndpoint asks it
for every connection, IP literals included.

Allowed anyway: a host the running spider says may be private (``allows_private``: named explicitly as
loopback on the command line, or its site profile has ``allow_private = true``).

``KB_RESOLVE`` ({host: address}, from the environment as ``host=addr,host=addr``) pins names to addresses
the way ``curl --resolve`` does: for a deployment without DNS for a host, and for tests that point a
"public" name at a loopback alias. A pinned address is checked like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingHostnameResolver, HostResolution
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IAddress, IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer, provider

from sites.scope import private_reason

log = logging.getLogger(__name__)


def parse_pins(text: str) -> dict[str, str]:
    """``a.example=127.0.0.2,b.example=10.0.0.1`` -> {host: address} (KB_RESOLVE from the environment)."""
    pins = {}
    for pair in text.split(","):
        host, _, address = pair.partition("=")
        if host.strip() and address.strip():
            pins[host.strip().lower()] = address.strip()
    return pins


@provider(IResolutionReceiver)
class _Guard:
    """Passes on only the addresses the host may connect to; remembers the ones it held back."""

    def __init__(self, receiver: IResolutionReceiver, host: str, resolver: GuardedResolver) -> None:
        self.receiver, self.host, self.resolver = receiver, host, resolver
        self.passed = 0

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802 (Twisted's names)
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:  # noqa: N802
        why = private_reason(getattr(address, "host", ""))
        if why and not self.resolver.private_allowed(self.host):
            self.resolver.refuse(self.host, getattr(address, "host", "?"), why)
            return
        self.passed += 1
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:  # noqa: N802
        if self.passed:
            self.resolver.refused.pop(self.host, None)  # it has a public address now: not refused
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class GuardedResolver(CachingHostnameResolver):
    """Scrapy's caching resolver (IPv4 and IPv6), with the address check applied after the cache."""

    def __init__(self, reactor: Any, cache_size: int, pins: dict[str, str], owner: Any = None) -> None:
        super().__init__(reactor, cache_size)
        self.pins = pins
        self.owner = owner  # the CrawlerProcess (or Crawler) whose spiders say which hosts may be private
        self.refused: dict[str, str] = {}  # host -> why its last resolution was refused (for the errback)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:  # type: ignore[override]
        settings = crawler.settings
        size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, size, dict(settings.getdict("KB_RESOLVE")), owner=crawler)

    def private_allowed(self, host: str) -> bool:
        crawlers = getattr(self.owner, "crawlers", None) or ([self.owner] if self.owner else [])
        for crawler in crawlers:
            allows = getattr(getattr(crawler, "spider", None), "allows_private", None)
            if allows is not None and allows(host):
                return True
        return False

    def refuse(self, host: str, address: str, why: str) -> None:
        self.refused[host] = f"{host} resolves to {address} ({why})"
        for crawler in getattr(self.owner, "crawlers", None) or ([self.owner] if self.owner else []):
            if getattr(crawler, "stats", None) is not None:
                crawler.stats.inc_value("kb/private_address_refused")
        log.warning("refused to connect: %s", self.refused[host])

    def resolveHostName(  # noqa: N802 (Twisted's name)
        self,
        resolutionReceiver: IResolutionReceiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[IAddress]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        host = hostName.lower().rstrip(".")
        guard = _Guard(resolutionReceiver, host, self)
        pinned = self.pins.get(host)
        if pinned is not None:
            guard.resolutionBegan(HostResolution(hostName))
            kind = IPv6Address if ":" in pinned else IPv4Address
            guard.addressResolved(kind("TCP", pinned, portNumber))
            guard.resolutionComplete()
            return guard.receiver
        return super().resolveHostName(guard, hostName, portNumber, addressTypes, transportSemantics)


def refusal(host: str | None) -> str | None:
    """Why the running crawl's resolver last refused ``host`` (None when it did not)."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "nameResolver", None)
    if not host or not isinstance(resolver, GuardedResolver):
        return None
    return resolver.refused.get(host.lower().rstrip("."))
