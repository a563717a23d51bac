"""A live Rich display of the crawl (fetched, queued, new, changed, unchanged, 304, failed).

On only when ``KB_PROGRESS`` is set (``kb crawl`` sets it when stderr is a terminal); reads Scrapy's
stats, which the pipeline feeds with ``kb/<outcome>`` counters.
"""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

COLUMNS = (
    ("fetched", "response_received_count"),
    ("queued", None),
    ("new", "kb/new"),
    ("changed", "kb/changed"),
    ("unchanged", "kb/unchanged"),
    ("304", "kb/not_modified"),
    ("gone", "kb/gone"),
    ("failed", "kb/failed"),
)


def progress_row(stats: dict) -> dict[str, int]:
    row = {}
    for label, key in COLUMNS:
        if key is None:
            row[label] = max(0, stats.get("scheduler/enqueued", 0) - stats.get("scheduler/dequeued", 0))
        else:
            row[label] = int(stats.get(key, 0))
    return row


class Progress:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.live: Live | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        if not crawler.settings.getbool("KB_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def render(self) -> Table:
        row = progress_row(self.crawler.stats.get_stats())
        table = Table(title="crawling", title_justify="left")
        for label in row:
            table.add_column(label, justify="right")
        table.add_row(*(str(v) for v in row.values()))
        return table

    def opened(self, spider) -> None:  # type: ignore[no-untyped-def]
        self.live = Live(self.render(), console=Console(stderr=True), refresh_per_second=4, transient=True)
        self.live.start()
        self.loop = task.LoopingCall(lambda: self.live and self.live.update(self.render()))
        self.loop.start(0.5, now=False)

    def closed(self, spider, reason) -> None:  # type: ignore[no-untyped-def]
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.live:
            self.live.stop()
