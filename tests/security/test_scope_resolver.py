"""Issue 12 (4): DNS rebinding. The resolver judges the very addresses it hands to the connection, on
every resolution, cached or not: a name that answers a public address first and a private one next is
refused the second time. (The whole path through a real crawl: test_scope_addresses.py.)

The DNS server here is a stand-in that answers from a list, as a rebinding attacker's server does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scrapy.resolver import dnscache
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer, provider

from crawler.resolver import GuardedResolver


@implementer(IHostnameResolver)
class RebindingDNS:
    """Answers each lookup with the next address of ``answers``."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers

    def resolveHostName(self, receiver, host, portNumber=0, addressTypes=None, transportSemantics="TCP"):  # noqa: N802, N803, ANN001, ANN201
        receiver.resolutionBegan(object())
        receiver.addressResolved(IPv4Address("TCP", self.answers.pop(0), portNumber))
        receiver.resolutionComplete()
        return receiver


@provider(IResolutionReceiver)
class Connection:
    """What the connection would get: the addresses the resolver passed on."""

    def __init__(self) -> None:
        self.addresses: list[str] = []

    def resolutionBegan(self, resolution: object) -> None:  # noqa: N802
        pass

    def addressResolved(self, address: IPv4Address) -> None:  # noqa: N802
        self.addresses.append(address.host)

    def resolutionComplete(self) -> None:  # noqa: N802
        pass


class Reactor:
    def __init__(self, dns: RebindingDNS) -> None:
        self.nameResolver = dns


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    dnscache.clear()
    yield
    dnscache.clear()


def connect(resolver: GuardedResolver, host: str) -> list[str]:
    connection = Connection()
    resolver.resolveHostName(connection, host, 80)
    return connection.addresses


def test_a_name_rebound_from_a_public_to_a_private_address_is_refused_the_second_time() -> None:
    resolver = GuardedResolver(Reactor(RebindingDNS(["93.184.216.34", "169.254.169.254"])), 0, {})
    assert connect(resolver, "rebind.example") == ["93.184.216.34"]
    dnscache.clear()  # the attacker's short TTL
    assert connect(resolver, "rebind.example") == []
    assert resolver.refused["rebind.example"] == "rebind.example resolves to 169.254.169.254 (link-local)"


def test_a_cached_private_answer_is_judged_again_on_every_connection() -> None:
    resolver = GuardedResolver(Reactor(RebindingDNS(["10.0.0.7"])), 100, {})
    assert connect(resolver, "cached.example") == []
    assert connect(resolver, "cached.example") == []  # from the cache: still refused, not trusted


def test_a_pinned_name_is_checked_like_any_other() -> None:
    resolver = GuardedResolver(Reactor(RebindingDNS([])), 0, {"pinned.example": "127.0.0.5"})
    assert connect(resolver, "pinned.example") == []
    assert "(loopback)" in resolver.refused["pinned.example"]
