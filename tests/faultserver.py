"""A loopback site that fails in every way a real one does, for crawl tests (real HTTP, real sockets).

``FaultServer`` serves a small medical-insurance Q&A site on 127.0.0.1 and a second server on 127.0.0.2
("elsewhere", never allowed) that only logs what reaches it. Besides good Q&A pages it has a page for
each fault a nightly crawl meets: 500s, connection resets, a server that never answers, a truncated body,
a 20 MB page, a gzip bomb, a redirect loop, binary bytes under ``text/html``, a GBK page declared UTF-8,
a 500 that recovers on retry, a 429 with ``Retry-After``, an off-domain redirect, a robots.txt-disallowed page and a page reachable under
two URLs (tracking parameters, rel=canonical). ``faulty = True`` turns the good pages themselves into
faults, one kind each, which is how the tests check that a bad night never damages an entry.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from sample_site.server import LoopbackServer

# Good pages: (question, answer paragraphs). All about 医保, so each becomes an entry.
QA: dict[int, tuple[str, list[str]]] = {
    1: (
        "职工医保住院报销比例是多少?",
        [
            "职工基本医疗保险参保人员在定点医疗机构住院,起付标准以上、最高支付限额以下的政策范围内"
            "医疗费用,由统筹基金按比例支付。",
            "一级医院报销比例约为90%,二级医院约为85%,三级医院约为80%,退休人员再提高5个百分点。",
        ],
    ),
    2: (
        "医保个人账户的钱可以给家人用吗?",
        [
            "可以。职工医保个人账户可以用于支付配偶、父母、子女在定点医疗机构就医时由个人负担的医疗费用。",
            "家庭成员共济需要先在医保服务平台或当地医保经办机构办理绑定手续,绑定后即可使用。",
        ],
    ),
    3: (
        "异地就医备案怎么办理?",
        [
            "参保人员可以通过国家医保服务平台App、微信小程序或参保地医保经办机构办理异地就医备案。",
            "备案成功后在就医地的联网定点医疗机构住院,可以直接结算医保报销部分,个人只支付自付费用。",
        ],
    ),
    4: (
        "城乡居民医保一年交多少钱?",
        [
            "城乡居民基本医疗保险实行个人缴费和政府补助相结合,个人缴费标准由各地医保局每年公布。",
            "缴费一般在每年9月至12月集中办理,可以通过税务App、银行或社区代办点缴纳医保费。",
        ],
    ),
    5: (
        "门诊慢特病医保怎么报销?",
        [
            "患有高血压、糖尿病等门诊慢特病的参保人员,经医保经办机构认定后,门诊费用可按规定报销。",
            "报销比例和年度支付限额由参保地医保政策确定,认定后持医保卡在定点医疗机构就医即可结算。",
        ],
    ),
    6: (
        "生育保险报销需要什么材料?",
        [
            "职工生育保险待遇申领一般需要身份证、医保卡、出生医学证明和住院费用结算单等材料。",
            "在定点医疗机构分娩的,住院费用可以直接联网结算,生育津贴向参保地医保经办机构申请发放。",
        ],
    ),
}
SLOW_QA = (
    "医保报销需要多长时间到账?",
    [
        "在定点医疗机构直接结算的,医保报销部分当场抵扣,不需要等待到账。",
        "手工报销的,医保经办机构受理材料后一般在二十个工作日内审核完毕,报销款转入参保人的银行账户。",
    ],
)
FLAKY_QA = (
    "医保卡丢了怎么补办?",
    [
        "医保卡(社会保障卡)丢失后,应先通过电话、App或到医保经办机构办理挂失,防止被他人冒用。",
        "挂失后携带身份证到社保卡服务网点或合作银行申请补办,补办期间可以使用医保电子凭证就医结算。",
    ],
)
GBK_QA = (
    "医保断缴后还能补缴吗?",
    [
        "职工医保断缴后,单位或个人可以按参保地医保局规定办理补缴,补缴后医保待遇从补缴到账次月起恢复。",
        "城乡居民医保一般不能补缴,错过集中缴费期的,需要等到下一个缴费期缴费,并设置待遇等待期。",
    ],
)
# Off-topic Q&A pages in a chain: /offtopic/1 -> 2 -> 3 -> 4. With off_topic_hops = 1 the crawl fetches
# 1 (linked from the start page) and 2 (one hop further), and never 3 or 4.
OFF_TOPIC: dict[int, tuple[str, list[str]]] = {
    1: (
        "双眼皮手术多少钱?",
        ["双眼皮手术的价格因医院和医生而异,一般在三千到一万元之间。", "术后一周内要注意护理,避免感染。"],
    ),
    2: (
        "监狱探视需要什么手续?",
        ["探视人需要携带身份证和关系证明,提前预约探视时间。", "探视时应遵守监狱管理规定。"],
    ),
    3: (
        "哪家医院看皮肤病好?",
        ["皮肤病的治疗需要到正规医院皮肤科就诊,根据病情选择治疗方案。", "常见的有湿疹、荨麻疹等。"],
    ),
    4: ("隆鼻手术恢复期多久?", ["隆鼻手术的恢复期一般为一到三个月,早期会有肿胀。", "恢复期间避免碰撞鼻部。"]),
}
# In faulty mode each good page fails in its own way (5 hangs past the download timeout).
FAULTY_AS = {1: "500", 2: "reset", 3: "truncated", 4: "binary", 5: "timeout", 6: "empty"}

HOME_CANONICAL = {5, 6}  # these pages say rel=canonical "/" (a template mistake, ignored)

FAULT_PATHS = {
    "/fault/500.html": "500",
    "/fault/reset.html": "reset",
    "/fault/timeout.html": "timeout",
    "/fault/truncated.html": "truncated",
    "/fault/huge.html": "huge",
    "/fault/bomb.html": "bomb",
    "/fault/loop-a.html": "loop",
    "/fault/loop-b.html": "loop",
    "/fault/binary.html": "binary",
}
HUGE_SIZE = 20 * 1024 * 1024
BOMB_SIZE = 64 * 1024 * 1024  # decompressed; far over any sane DOWNLOAD_MAXSIZE
ROBOTS = "User-agent: *\nDisallow: /private/\n"


def qa_html(
    question: str, paragraphs: list[str], *, canonical: str | None = None, charset: str = "utf-8"
) -> str:
    head = f'<meta charset="{charset}"><title>{question}</title>'
    if canonical:
        head += f'<link rel="canonical" href="{canonical}">'
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head>{head}</head><body>'
        f'<nav><a href="/">首页</a></nav><main><article><h1>{question}</h1>{body}</article></main>'
        "<footer>医保问答 示例站点</footer></body></html>"
    )


def _bomb() -> bytes:
    """BOMB_SIZE zero bytes, gzip-compressed (about 64 KB on the wire), built without holding them."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(BOMB_SIZE // len(chunk)):
            gz.write(chunk)
    return out.getvalue()


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
        self._bomb = _bomb()
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
        handler = _make_handler(self, name)
        server = LoopbackServer((host, 0), handler)
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

    def log(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)

    @property
    def good_paths(self) -> list[str]:
        return [f"/qa/{n}.html" for n in QA]

    def bomb(self) -> bytes:
        assert self._bomb is not None
        return self._bomb

    def sitemap_index(self) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{self.origin}/sitemaps/qa.xml.gz</loc></sitemap></sitemapindex>"
        ).encode()

    def sitemap(self) -> bytes:
        urls = "".join(
            f"<url><loc>{self.origin}{p}</loc><lastmod>2025-05-01</lastmod></url>" for p in self.good_paths
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        ).encode()

    def index_html(self) -> str:
        links = [f'<li><a href="/qa/{n}.html">{q}</a></li>' for n, (q, _) in QA.items()]
        if not self.faults:
            return (
                '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>医保问答</title></head>'
                f"<body><h1>医保问答</h1><ul>{''.join(links)}</ul></body></html>"
            )
        links += [
            '<li><a href="/qa/1.html?utm_source=wx&amp;from=share#top">职工医保住院报销比例是多少(分享)</a></li>',
            '<li><a href="/alias/2.html">医保个人账户的钱可以给家人用吗(专题)</a></li>',
            '<li><a href="/qa/gbk.html">医保断缴后还能补缴吗?</a></li>',
            '<li><a href="/slow/429.html">医保报销需要多长时间到账?</a></li>',
            '<li><a href="/flaky/500.html">医保卡丢了怎么补办?</a></li>',
            '<li><a href="/private/secret.html">医保内部资料汇编</a></li>',
            '<li><a href="/offtopic/1.html">双眼皮手术多少钱?</a></li>',
            '<li><a href="/go/elsewhere.html">全国医保服务平台入口</a></li>',
        ]
        links += [
            f'<li><a href="{p}">医保问答故障页面 {k} 的标题</a></li>'
            for p, k in FAULT_PATHS.items()
            if "loop-b" not in p
        ]
        return (
            '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>医保问答</title></head>'
            f"<body><h1>医保问答</h1><ul>{''.join(links)}</ul></body></html>"
        )


def _make_handler(site: FaultServer, host: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FaultServer/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
            pass

        def _log(self, status: int | str) -> None:
            site.log(
                {
                    "host": host,
                    "method": self.command,
                    "path": self.path,
                    "status": status,
                    "at": time.monotonic(),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                }
            )

        def _send(
            self,
            status: int,
            body: bytes = b"",
            content_type: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            self._log(status)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                try:
                    self.wfile.write(body)
                except OSError:  # the crawler gave up on us: that is the point of some pages
                    pass

        def _page(self, html: str, *, charset: str = "utf-8") -> None:
            body = html.encode(charset)
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, headers={"ETag": etag})
                return
            self._send(200, body, "text/html; charset=utf-8", {"ETag": etag})

        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            if host != "main":
                self._send(200, b"<html><body>elsewhere</body></html>")
                return
            path = urlsplit(self.path).path
            route: Callable[[], None] | None = self._route(path)
            if route is None:
                self._send(404, b"<html><body>404</body></html>")
            else:
                route()

        do_HEAD = do_GET

        def _route(self, path: str) -> Callable[[], None] | None:
            if path == "/robots.txt" and site.robots_status != 200:
                return lambda: self._send(site.robots_status, b"<html><body>busy</body></html>")
            if path == "/robots.txt":
                text = ROBOTS + (f"Crawl-delay: {site.crawl_delay}\n" if site.crawl_delay else "")
                text += f"Sitemap: {site.origin}/sitemap_index.xml\n"
                return lambda: self._send(200, text.encode(), "text/plain; charset=utf-8")
            if path == "/sitemap_index.xml":  # an index naming a gzipped sitemap
                return lambda: self._send(200, site.sitemap_index(), "application/xml")
            if path == "/sitemaps/qa.xml.gz":
                return lambda: self._send(200, gzip.compress(site.sitemap(), mtime=0), "application/gzip")
            if path == "/":
                return lambda: self._page(site.index_html())
            if path.startswith("/qa/") and path.endswith(".html"):
                key = path[len("/qa/") : -len(".html")]
                if key == "gbk":  # GBK bytes, declared UTF-8 in the header and the <meta>
                    return lambda: self._page(qa_html(*GBK_QA), charset="gbk")
                if key.isdigit() and int(key) in QA:
                    n = int(key)
                    if site.faulty:
                        return lambda: self._fault(FAULTY_AS[n])
                    # 5 and 6 come from a template that names the home page as every page's canonical.
                    canonical = "/" if n in HOME_CANONICAL else None
                    return lambda: self._page(qa_html(*QA[n], canonical=canonical))
                return None
            if path.startswith("/offtopic/") and path.endswith(".html"):
                key = path[len("/offtopic/") : -len(".html")]
                if key.isdigit() and int(key) in OFF_TOPIC:
                    n = int(key)
                    html = qa_html(*OFF_TOPIC[n])
                    if n + 1 in OFF_TOPIC:
                        html = html.replace(
                            "</article>", f'<a href="/offtopic/{n + 1}.html">更多</a></article>'
                        )
                    return lambda: self._page(html)
                return None
            if path == "/alias/2.html":  # the same page as /qa/2.html, which it names as canonical
                return lambda: self._page(qa_html(*QA[2], canonical="/qa/2.html"))
            if path == "/slow/429.html":
                return self._too_many
            if path == "/flaky/500.html":
                return self._flaky
            if path == "/private/secret.html":
                return lambda: self._page(qa_html("医保内部资料", ["不应被抓取的页面。"]))
            if path == "/go/elsewhere.html":
                return lambda: self._send(302, headers={"Location": site.elsewhere + "/landing.html"})
            if path in FAULT_PATHS:
                return lambda: self._fault(FAULT_PATHS[path])
            return None

        def _too_many(self) -> None:
            """429 with Retry-After on the first request, the page afterwards."""
            if len(site.hits("/slow/429.html")) == 0:
                self._send(429, b"slow down", "text/plain", {"Retry-After": str(site.retry_after)})
            else:
                self._page(qa_html(*SLOW_QA))

        def _flaky(self) -> None:
            """500 on the first request (a server restarting), the page afterwards."""
            if len(site.hits("/flaky/500.html")) == 0:
                self._send(500, b"<html><body>Internal Server Error</body></html>")
            else:
                self._page(qa_html(*FLAKY_QA))

        def _fault(self, kind: str) -> None:
            if kind == "500":
                self._send(500, b"<html><body>Internal Server Error</body></html>")
            elif kind == "reset":
                self._log("reset")
                # RST instead of FIN: SO_LINGER with a zero timeout, then close.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
            elif kind == "timeout":
                self._log("hang")
                site._stop.wait(site.hang)
                self.close_connection = True
            elif kind == "truncated":
                self._log("truncated")
                body = qa_html(*QA[3]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body) + 20000))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif kind == "huge":
                self._log("huge")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(HUGE_SIZE))
                self.end_headers()
                block = b"<p>" + "医保".encode() * 1000 + b"</p>\n"
                sent = 0
                try:
                    while sent < HUGE_SIZE:
                        piece = block[: HUGE_SIZE - sent]
                        self.wfile.write(piece)
                        sent += len(piece)
                except OSError:
                    pass
                self.close_connection = True
            elif kind == "bomb":
                self._send(200, site.bomb(), headers={"Content-Encoding": "gzip"})
            elif kind == "loop":
                target = (
                    "/fault/loop-b.html" if self.path.startswith("/fault/loop-a") else "/fault/loop-a.html"
                )
                self._send(302, headers={"Location": target})
            elif kind == "binary":
                self._send(200, random.Random(7).randbytes(30000), "text/html; charset=utf-8")
            elif kind == "empty":
                self._send(200, b"", "text/html; charset=utf-8")
            else:  # pragma: no cover - a typo in a test
                raise ValueError(kind)

    return Handler
