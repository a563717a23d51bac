"""A loopback site that fails in every way a real one does, for crawl tests (real HTTP, real sockets).

``FaultServer`` serves a small medical-insurance Q&A site on 127.0.0.1 and a second server on 127.0.0.2
("elsewhere", never allowed) that only logs what reaches it. Besides good Q&A pages it has a page for
each fault a nightly crawl meets: 500s, connection resets, a server that never answers, a truncated body,
a 20 MB page, a gzip bomb, a redirect loop, binary bytes under ``text/html``, a GBK page declared UTF-8,
a 500 that recovers on retry, a 429 with ``Retry-After``, an off-domain redirect, a robots.txt-disallowed page and a page reachable under
two URLs (tracking parameters, rel=canonical). ``faulty = True`` turns the good pages themselves into
faults, one kind each, which is how the tests check that a bad night never damages an entry.

The jobs live apart: ``content`` (what the site holds, which path fails how), ``pages`` + ``templates/``
(markup), ``faults`` (the ways a response breaks), ``handler`` (HTTP and routing); this module runs the
two servers and keeps the request log the tests read.
"""

from __future__ import annotations

import threading
from typing import Any

from sample_site.server import LoopbackServer
from tests.faultserver.content import (
    BOMB_SIZE,
    FAULT_PATHS,
    FAULTY_AS,
    FLAKY_QA,
    GBK_QA,
    HOME_CANONICAL,
    HUGE_SIZE,
    OFF_TOPIC,
    QA,
    ROBOTS,
    SLOW_QA,
)
from tests.faultserver.faults import gzip_bomb
from tests.faultserver.handler import handler_for
from tests.faultserver.pages import good_paths, qa_html

__all__ = [
    "BOMB_SIZE",
    "FAULT_PATHS",
    "FAULTY_AS",
    "FLAKY_QA",
    "GBK_QA",
    "HOME_CANONICAL",
    "HUGE_SIZE",
    "OFF_TOPIC",
    "QA",
    "ROBOTS",
    "SLOW_QA",
    "FaultServer",
    "qa_html",
]


class FaultServer:
    """The fault site on 127.0.0.1:<port> and an "elsewhere" host on 127.0.0.2:<port2> (context manager).

    ``hang``: how long the timeout page keeps the connection silent (make it longer than the crawl's
    download timeout). ``retry_after``: seconds the 429 page asks for. ``crawl_delay``: a robots.txt
    ``Crawl-delay`` line when set. ``robots_status``: what /robots.txt answers (200 with rules).
    """

    def __init__(
        self,
        *,
        hang: float = 6.0,
        retry_after: int = 1,
        crawl_delay: float | None = None,
        faults: bool = True,
        robots_status: int = 200,
    ) -> None:
        self.hang = hang
        self.faults = faults  # False: the start page links only the good Q&A pages
        self.retry_after = retry_after
        self.crawl_delay = crawl_delay
        self.robots_status = robots_status  # 404: no robots.txt; 5xx: robots.txt unavailable
        self.faulty = False
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._servers: list[LoopbackServer] = []
        self._bomb: bytes | None = None
        self._stop = threading.Event()
        self.origin = ""
        self.elsewhere = ""

    # --- lifecycle --------------------------------------------------------------------------------

    def __enter__(self) -> FaultServer:
        self._bomb = gzip_bomb()
        main = self._serve("127.0.0.1", "main")
        other = self._serve("127.0.0.2", "elsewhere")
        self.origin = f"http://127.0.0.1:{main.server_address[1]}"
        self.elsewhere = f"http://127.0.0.2:{other.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def _serve(self, host: str, name: str) -> LoopbackServer:
        server = LoopbackServer((host, 0), handler_for(self, name))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers.append(server)
        return server

    # --- what the tests read ----------------------------------------------------------------------

    @property
    def start_url(self) -> str:
        return self.origin + "/"

    def url(self, path: str) -> str:
        return self.origin + path

    def hits(self, path: str, host: str = "main") -> list[dict[str, Any]]:
        """The logged requests for ``path`` (query included when given) on ``host``."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r["host"] == host and (r["path"] == path or r["path"].split("?")[0] == path)
            ]

    def idle(self, seconds: float) -> None:
        """Wait ``seconds``, or less when the server stops (a hanging page must not outlive it)."""
        self._stop.wait(seconds)

    def log(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)

    @property
    def good_paths(self) -> list[str]:
        return good_paths()

    def bomb(self) -> bytes:
        assert self._bomb is not None
        return self._bomb
