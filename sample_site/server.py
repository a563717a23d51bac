"""Serve the generated sample site on loopback: the portal on 127.0.0.1, the city site on 127.0.0.2.

Real HTTP (threaded ``http.server``) so crawls, tests and benchmarks exercise what a real site does:
ETag (a hash of the body) and Last-Modified (stable per page per edition), 304 on If-None-Match /
If-Modified-Since, 404 for missing pages, optional latency, and a request log to assert politeness
(robots.txt respected, revisits conditional). ``set_edition`` swaps content on the same ports, which is how
the demo and the tests simulate "the next night".

By hand: ``python -m sample_site.server --port 8700`` serves the portal on http://127.0.0.1:8700/ and the city
site on http://127.0.0.2:8700/ (what ``scheduled/yibao-kb.env.example`` crawls as shipped).
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

SITE_DIR = Path(__file__).with_name("site")
HOSTS = {"portal": "127.0.0.1", "city": "127.0.0.2"}
EDITIONS = (1, 2, 3, 4)  # 3 and 4: edition 1 through a changed template (sample_site.generate)
ORIGIN_MARK = "__ORIGIN__"
# Each edition's content "appeared" at this time (UTC); a page keeps the time of the first edition that
# had its exact body, so Last-Modified is stable per page per edition and honest across editions.
EDITION_TIME = {1: 1746086400, 2: 1748764800, 3: 1751356800, 4: 1751356800}  # 2025-05-01, 06-01, 07-01

NOT_FOUND = b"<!DOCTYPE html><html><head><title>404</title></head><body><h1>404 Not Found</h1></body></html>"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
}


class Page:
    """One servable resource: body and validators."""

    __slots__ = ("body", "content_type", "etag", "last_modified", "mtime")

    def __init__(self, body: bytes, content_type: str, mtime: int) -> None:
        self.body = body
        self.content_type = content_type
        self.etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        self.mtime = mtime
        self.last_modified = format_datetime(datetime.fromtimestamp(mtime, UTC), usegmt=True)


def _url_path(rel: str) -> str:
    """File path inside a site tree -> URL path ("index.html" -> "/", "zcwd/index.html" -> "/zcwd/")."""
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel


def _read_tree(root: Path) -> dict[str, bytes]:
    return {
        _url_path(p.relative_to(root).as_posix()): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def load_editions(site_dir: Path, origins: dict[str, str]) -> dict[int, dict[str, dict[str, Page]]]:
    """{edition: {site: {url path: Page}}}, with the origin placeholder filled in."""
    raw: dict[int, dict[str, dict[str, bytes]]] = {}
    for edition in EDITIONS:
        raw[edition] = {}
        for site, origin in origins.items():
            tree = _read_tree(site_dir / f"edition{edition}" / site)
            mark = ORIGIN_MARK.encode()
            raw[edition][site] = {k: v.replace(mark, origin.encode()) for k, v in tree.items()}
    out: dict[int, dict[str, dict[str, Page]]] = {}
    for edition in EDITIONS:
        out[edition] = {}
        for site, tree in raw[edition].items():
            pages = {}
            for path, body in tree.items():
                first = next(e for e in EDITIONS if raw[e][site].get(path) == body)
                # A few minutes per path apart, so pages do not all share one timestamp.
                offset = int(hashlib.sha1(path.encode()).hexdigest()[:6], 16) % 7200
                ctype = CONTENT_TYPES.get(Path(path).suffix or ".html", "application/octet-stream")
                pages[path] = Page(body, ctype, EDITION_TIME[first] + offset)
            out[edition][site] = pages
    return out


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    tags = [t.strip() for t in header.split(",")]
    return any((t[2:] if t.startswith("W/") else t) == etag for t in tags)


class LoopbackServer(ThreadingHTTPServer):
    """A threading server with a real server's listen backlog (nginx: 511).

    The stdlib's is 5: a crawler opening 8 connections to a site at once loses SYNs and waits out
    the kernel's 1 s retransmission, a stall that is the toy server's, not the crawler's.
    """

    request_queue_size = 128
    daemon_threads = True


Reply = tuple[int, dict[str, str], bytes]  # status, headers, body


class LoopbackSite:
    """A small HTTP site on a loopback address and a free port, for tests and benches.

    A subclass says what each path answers (:meth:`answer`; it may log or sleep there); ``with Site() as
    site:`` serves it on a thread of its own, ``site.origin`` is where.
    """

    host = "127.0.0.1"
    _server: LoopbackServer | None = None

    def answer(self, path: str) -> Reply:
        raise NotImplementedError

    def __enter__(self) -> Self:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                status, headers, body = site.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = LoopbackServer((self.host, 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"


class SampleSite:
    """Context manager serving both sample sites on loopback (see module docstring).

    ``port``: None gives each site a free port of its own; a number serves both on that port (their hosts
    differ); 0 picks one free port for both, as a test of fixed-port use needs.
    """

    def __init__(
        self, edition: int = 1, latency: float = 0.0, site_dir: Path = SITE_DIR, port: int | None = None
    ) -> None:
        if edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}")
        self.edition = edition
        self.port = port
        self.latency = latency
        self.site_dir = site_dir
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._servers: dict[str, LoopbackServer] = {}
        self._threads: list[threading.Thread] = []
        self._content: dict[int, dict[str, dict[str, Page]]] = {}
        self.portal_url = ""
        self.city_url = ""

    # ---- lifecycle
    def start(self) -> SampleSite:
        if self._servers:
            return self
        self._bind()
        self.portal_url = f"http://{HOSTS['portal']}:{self._servers['portal'].server_address[1]}"
        self.city_url = f"http://{HOSTS['city']}:{self._servers['city'].server_address[1]}"
        self._content = load_editions(self.site_dir, {"portal": self.portal_url, "city": self.city_url})
        for server in self._servers.values():
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _bind(self) -> None:
        if self.port is None:
            for site, host in HOSTS.items():
                self._servers[site] = LoopbackServer((host, 0), _make_handler(self, site))
            return
        for _attempt in range(20 if self.port == 0 else 1):
            first = LoopbackServer((HOSTS["portal"], self.port), _make_handler(self, "portal"))
            try:
                city = LoopbackServer((HOSTS["city"], first.server_address[1]), _make_handler(self, "city"))
            except OSError as exc:
                first.server_close()
                if self.port == 0 and exc.errno == errno.EADDRINUSE:
                    continue  # free on 127.0.0.1, taken on 127.0.0.2: try another
                raise
            self._servers.update(portal=first, city=city)
            return
        raise OSError(errno.EADDRINUSE, "no port free on both 127.0.0.1 and 127.0.0.2")

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- API
    def url(self, site: str, path: str) -> str:
        base = {"portal": self.portal_url, "city": self.city_url}[site]
        return base + path

    @property
    def start_urls(self) -> list[str]:
        return [self.portal_url + "/", self.city_url + "/"]

    def set_edition(self, edition: int) -> None:
        if edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}")
        self.edition = edition

    def hits(self, site: str, path: str) -> int:
        """GET count for a path (query ignored unless ``path`` has one)."""
        with self._lock:
            log = list(self.requests)
        keep_query = "?" in path
        return sum(
            1
            for r in log
            if r["site"] == site
            and r["method"] == "GET"
            and (r["path"] if keep_query else r["path"].split("?", 1)[0]) == path
        )

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def page(self, site: str, path: str) -> Page | None:
        """The resource served now at a URL path (query ignored), or None (404)."""
        return self._content[self.edition][site].get(urlsplit(path).path or "/")

    @staticmethod
    def manifest(edition: int, site_dir: Path = SITE_DIR) -> dict[str, Any]:
        return json.loads((site_dir / f"edition{edition}" / "manifest.json").read_text(encoding="utf-8"))

    def _log(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)


def _make_handler(owner: SampleSite, site: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SampleSite/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet; we keep our own log
            pass

        def _serve(self, send_body: bool) -> None:
            if owner.latency:
                time.sleep(owner.latency)
            page = owner.page(site, self.path)
            status = 404 if page is None else 304 if self._not_modified(page) else 200
            # Logged before answering, so a client that has its response also sees it in the log.
            owner._log(
                {
                    "site": site,
                    "method": self.command,
                    "path": self.path,
                    "status": status,
                    "headers": dict(self.headers.items()),
                    "time": time.time(),
                }
            )
            if page is None:
                body = NOT_FOUND
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(body)
                return
            self.send_response(status)
            self.send_header("ETag", page.etag)
            self.send_header("Last-Modified", page.last_modified)
            self.send_header("Cache-Control", "no-cache")
            if status == 200:
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            if status == 200 and send_body:
                self.wfile.write(page.body)

        def _not_modified(self, page: Page) -> bool:
            """If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)."""
            inm = self.headers.get("If-None-Match")
            if inm is not None:
                return _etag_matches(inm, page.etag)
            ims = self.headers.get("If-Modified-Since")
            if not ims:
                return False
            try:
                return parsedate_to_datetime(ims).timestamp() >= page.mtime
            except (TypeError, ValueError):
                return False

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            self._serve(True)

        def do_HEAD(self) -> None:  # noqa: N802 - http.server API
            self._serve(False)

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the bundled sample sites on loopback.")
    parser.add_argument("--edition", type=int, default=1, choices=EDITIONS)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="serve both sites on this port (127.0.0.1:PORT and 127.0.0.2:PORT); default: a free port each",
    )
    args = parser.parse_args(argv)
    if args.port is not None and not 0 < args.port < 65536:
        parser.error(f"--port must be 1-65535, not {args.port}")
    try:
        site = SampleSite(args.edition, args.latency, port=args.port).start()
    except OSError as exc:
        parser.exit(2, f"sample_site.server: cannot serve on port {args.port}: {exc.strerror or exc}\n")
    with site:
        print(
            f"edition {args.edition}: portal {site.portal_url}/  city {site.city_url}/  (Ctrl-C stops)",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
