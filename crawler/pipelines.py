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
from sqlalchemy.exc import DBAPIError

from kb import run_sites, runs
from kb.db import session
from kb.ingest import ingest
from kb.models import Run
from kb.snapshot import Snapshot

log = logging.getLogger(__name__)

STORE_ERROR = "store_error"  # a page fetched but not stored: the run is not ok with any of these


def nothing_to_do(run: Run, stats: dict) -> bool:
    """True when the crawl had no page to fetch at all (not: fetched nothing because all failed)."""
    return (
        run.fetched == 0
        and run.robots_refused == 0
        and run.errors in ("", "{}")
        and not any(k.startswith("kb/error/") for k in stats)
    )


def out_of_scope(stats: dict) -> dict[str, int]:
    """What the crawl would not fetch (crawler.scope): links, <loc>s and redirects of another scheme
    (``scheme``) or host/port (``offsite``), hosts refused for a private address (``private_address``)."""
    found = {
        "scheme": stats.get("offsite/scheme", 0),
        "offsite": stats.get("offsite/filtered", 0),
        "private_address": stats.get("kb/private_address_refused", 0),
    }
    return {k: int(v) for k, v in found.items() if v}


class KBPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db = crawler.settings.get("KB_DB_URL")
        self.run_id: int | None = crawler.settings.getint("KB_RUN_ID") or None
        self.owns_run = self.run_id is None
        self.unrecorded: list[tuple[Snapshot, str]] = []  # pages not stored whose failure the KB did not take either

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
        try:
            with session(self.db) as s:
                if item.error == "robots":
                    runs.record_error(s, self.run_id, item.url, "robots", item.error_detail, site=item.site)
                    runs.count(s, self.run_id, "robots_refused", fetched=False, site=item.site)
                    stats.inc_value("kb/robots_refused")
                    return item
                result = ingest(s, item, self.run_id)
        except DBAPIError as exc:  # the page could not be stored: a failed page, counted, never lost silently
            self.store_failed(item, exc)
            return item
        stats.inc_value(f"kb/{result.outcome}")
        stats.inc_value("kb/ingested")
        return item

    def store_failed(self, item: Snapshot, exc: DBAPIError) -> None:
        """Count a page the KB could not store (database locked, read-only, full): one log line, a
        ``store_error`` on the run (recorded now if the KB takes it, else when the spider closes)."""
        detail = f"{type(exc.orig).__name__}: {str(exc.orig).splitlines()[0] if str(exc.orig) else ''}"[:500]
        log.error("could not store %s in the KB: %s", item.url, detail)
        self.crawler.stats.inc_value("kb/store_error")
        self.crawler.stats.inc_value("kb/failed")
        try:
            with session(self.db) as s:
                runs.record_error(s, self.run_id, item.url, STORE_ERROR, detail, site=item.site)
                runs.count(s, self.run_id, "failed", fetched=item.answered, site=item.site)
        except DBAPIError:
            self.unrecorded.append((item, detail))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        with session(self.db) as s:
            for item, detail in self.unrecorded:  # the KB refused them then; it has to take them now
                runs.record_error(s, self.run_id, item.url, STORE_ERROR, detail, site=item.site)
                runs.count(s, self.run_id, "failed", fetched=item.answered, site=item.site)
            s.commit()
            s.expire_all()  # the counters moved in UPDATEs: read the run afresh
            self.unrecorded.clear()
            run = s.get(Run, self.run_id)
            if run is None:
                return
            args = json.loads(run.args or "{}")
            args["finish_reason"] = reason
            dropped = out_of_scope(self.crawler.stats.get_stats())
            if dropped:
                args["out_of_scope"] = dropped
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
                if status == "ok" and STORE_ERROR in json.loads(run.errors or "{}"):
                    status = "failed"  # pages were fetched and lost: never ok over a loss
                runs.finish_run(s, self.run_id, status)
