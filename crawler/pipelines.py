"""The one pipeline: each Snapshot item goes to ``kb.ingest`` in its own transaction.

The pipeline owns the run: it opens a Run when the spider opens (unless ``kb crawl`` made one and passed
``KB_RUN_ID``), and closes it with its status when the spider closes. Robots.txt refusals are counted,
not ingested (nothing was fetched).
"""

from __future__ import annotations

import json
import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from kb import run_sites, runs
from kb.db import session
from kb.ingest import ingest
from kb.models import Run
from kb.snapshot import Snapshot

log = logging.getLogger(__name__)


def nothing_to_do(run: Run, stats: dict) -> bool:
    """True when the crawl had no page to fetch at all (not: fetched nothing because all failed)."""
    return (
        run.fetched == 0
        and run.robots_refused == 0
        and run.errors in ("", "{}")
        and not any(k.startswith("kb/error/") for k in stats)
    )


class KBPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db = crawler.settings.get("KB_DB_URL")
        self.run_id: int | None = crawler.settings.getint("KB_RUN_ID") or None
        self.owns_run = self.run_id is None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KBPipeline:
        pipeline = cls(crawler)
        # The close reason (finished, shutdown, closespider_*) only reaches spider_closed handlers.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        if self.owns_run:
            with session(self.db) as s:
                run = runs.start_run(
                    s,
                    "crawl",
                    spider=spider.name,
                    site=getattr(spider, "site_name", None),
                    args={"start_urls": getattr(spider, "start_urls_given", []), **runs.whoami()},
                )
                self.run_id = run.id
                closed = runs.close_abandoned_runs(s, self.run_id)
                if closed:
                    log.warning(
                        "runs %s were left running by a process that is gone: now interrupted", closed
                    )
        self.crawler.stats.set_value("kb/run_id", self.run_id)
        expected = getattr(spider, "sites_expected", None)
        if self.owns_run and self.run_id is not None and expected is not None:
            with session(self.db) as s:
                run_sites.start(s, self.run_id, expected())

    def process_item(self, item: Snapshot, spider: Spider | None = None) -> Snapshot:
        stats = self.crawler.stats
        with session(self.db) as s:
            if item.error == "robots":
                runs.record_error(s, self.run_id, item.url, "robots", item.error_detail, site=item.site)
                runs.count(s, self.run_id, "robots_refused", fetched=False, site=item.site)
                stats.inc_value("kb/robots_refused")
                return item
            result = ingest(s, item, self.run_id)
        stats.inc_value(f"kb/{result.outcome}")
        stats.inc_value("kb/ingested")
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        with session(self.db) as s:
            run = s.get(Run, self.run_id)
            if run is None:
                return
            args = json.loads(run.args or "{}")
            args["finish_reason"] = reason
            run.args = json.dumps(args, ensure_ascii=False, default=str)
            s.add(run)
            s.commit()
            if self.owns_run:
                status = "interrupted" if reason == "shutdown" else None
                budget = getattr(spider, "budget_reached", None)  # sites cut short by their page budget
                sites = run_sites.finish(s, self.run_id, interrupted=status == "interrupted", budget_reached=budget)
                if status is None and nothing_to_do(run, self.crawler.stats.get_stats()):
                    status = "ok"  # a refresh with nothing due, a sitemap with nothing new: a quiet night
                # several sites: the run fails only when all did (each failed one is marked in its row)
                status = status or run_sites.run_status(sites)
                runs.finish_run(s, self.run_id, status)
