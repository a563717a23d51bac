"""Launch one crawl in this process: settings from one place (project, profiles, command line); the
KB's run is recorded by the pipeline, not here.

Resume: with a job folder, Scrapy keeps its queue and seen-set there, but that state is only sound
after a clean stop (Ctrl-C lets Scrapy finish in-flight work; SIGKILL does not). We mark a clean stop
with a ``kb-resumable`` file; a folder without the mark is emptied and the crawl starts from scratch (the
KB makes that safe: ingest is idempotent, so refetching changes nothing twice). Only what kb crawl made is
ever removed: its folders carry a ``kb-jobdir`` mark; a non-empty folder without it is refused.
"""

from __future__ import annotations

import gc
import hashlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from crawler.politeness import site_settings
from crawler.render import needs_browser, render_settings
from sites import profiles

RESUMABLE_MARK = "kb-resumable"
JOBDIR_MARK = "kb-jobdir"  # in a job folder kb crawl made or adopted empty: only such a folder is emptied
SPIDERS = ("discover", "sitemap", "refresh")


@dataclass
class CrawlOutcome:
    run_id: int | None
    finish_reason: str
    jobdir: str | None = None
    resumed: bool = False
    note: str = ""


def default_jobdir(spider: str, targets: Sequence[str]) -> Path:
    digest = hashlib.sha1("\n".join(sorted(targets)).encode("utf-8")).hexdigest()[:10]
    return Path(".kb-jobs") / f"{spider}-{digest}"


class JobdirRefused(Exception):
    """A job folder kb crawl did not make and will not empty (``kb crawl`` says so, exit 2)."""


def prepare_jobdir(jobdir: Path, resume: bool) -> tuple[bool, str]:
    """(resumed, note): keep a cleanly stopped job's state for --resume, else start from scratch.

    Only a folder this command made (it holds ``JOBDIR_MARK``) is ever emptied; a new or empty folder
    becomes one; any other (``--jobdir .``, a folder of your own) is refused, never wiped.
    """
    mark = jobdir / RESUMABLE_MARK
    if jobdir.exists() and not jobdir.is_dir():
        raise JobdirRefused(f"--jobdir {jobdir} is not a folder")
    if jobdir.is_dir() and not (jobdir / JOBDIR_MARK).exists() and any(jobdir.iterdir()):
        raise JobdirRefused(
            f"--jobdir {jobdir} is not empty and was not made by kb crawl: give a new or empty folder"
        )
    if resume and mark.exists():
        mark.unlink()
        return True, f"resuming the crawl saved in {jobdir}"
    note = ""
    made = not jobdir.exists() or _made(jobdir)
    if jobdir.exists():
        if resume and (jobdir / JOBDIR_MARK).exists() and len(list(jobdir.iterdir())) > 1:
            note = f"{jobdir} was not stopped cleanly: its state cannot be trusted, crawling from scratch"
        clear_jobdir(jobdir)
    jobdir.mkdir(parents=True, exist_ok=True)
    (jobdir / JOBDIR_MARK).write_text(f"{'made' if made else 'adopted'} by kb crawl: its job state\n")
    return False, note


def _made(jobdir: Path) -> bool:
    try:
        return (jobdir / JOBDIR_MARK).read_text().startswith("made")
    except OSError:
        return False


def clear_jobdir(jobdir: Path) -> None:
    """Empty a job folder kb crawl made or adopted (its ``JOBDIR_MARK`` says so), mark included; the
    folder goes too when kb crawl made it."""
    if not (jobdir / JOBDIR_MARK).exists():
        return
    made = _made(jobdir)
    for child in jobdir.iterdir():
        if child.name == JOBDIR_MARK:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    (jobdir / JOBDIR_MARK).unlink(missing_ok=True)
    if made:
        try:
            jobdir.rmdir()
        except OSError:  # something of someone else's appeared in it: it stays
            pass


def may_render(sites: Sequence[str], start_urls: Sequence[str]) -> bool:
    """True when the crawl may ask for a page its profile renders: one of its sites, or, for a crawl of
    the whole KB (a refresh with no site and no start URL), any profile. Without the browser handler
    such a page would come back as its empty shell."""
    scope = chosen_profiles(sites, start_urls) if sites or start_urls else profiles.all_profiles().values()
    return needs_browser(list(scope))


def chosen_profiles(sites: Sequence[str], start_urls: Sequence[str]) -> list[profiles.Profile]:
    """The crawl's site profiles: those named, then those of start URLs no named one covers."""
    named = [profiles.get(name) for name in sites]
    found = {p.name: p for p in named}
    for url in start_urls:
        if len(named) != 1 and not any(p.matches(url) for p in named):
            found.setdefault(profiles.for_url(url).name, profiles.for_url(url))
    return list(found.values())


def crawl_settings(
    *,
    db: str,
    delay: float | None = None,
    max_pages: int | None = None,
    jobdir: Path | None = None,
    progress: bool = False,
    extra: dict[str, Any] | None = None,
    site_settings: dict[str, Any] | None = None,
) -> Settings:
    settings = get_project_settings()
    if not settings.get("BOT_NAME") == "yibao_kb":  # run from outside the repo: load our settings module
        settings = Settings()
        settings.setmodule("crawler.settings", priority="project")
    settings.set("KB_DB_URL", db, priority="cmdline")
    for key, value in (site_settings or {}).items():
        settings.set(key, value, priority="spider")  # above crawler/settings.py, below the command line
    if delay is not None:
        settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_START_DELAY", max(delay, 0.01), priority="cmdline")
        settings.set("DOWNLOAD_DELAY_JITTER", 0.5 if delay > 0 else 0, priority="cmdline")
        if delay == 0:  # loopback crawls (tests, demo): no throttling, more parallelism per site
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8, priority="cmdline")
            settings.set("RETRY_BACKOFF_BASE", 0.1, priority="cmdline")
    if max_pages:
        settings.set("CLOSESPIDER_PAGECOUNT", max_pages, priority="cmdline")
        settings.set("KB_MAX_PAGES", max_pages, priority="cmdline")
    if jobdir is not None:
        settings.set("JOBDIR", str(jobdir), priority="cmdline")
    settings.set("KB_PROGRESS", progress, priority="cmdline")
    for key, value in (extra or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def launch_crawl(
    spider: str = "discover",
    *,
    db: str,
    start_urls: Sequence[str] = (),
    site: str | Sequence[str] | None = None,
    max_pages: int | None = None,
    delay: float | None = None,
    jobdir: Path | None = None,
    resume: bool = False,
    redis: str | None = None,
    progress: bool = False,
    spider_args: dict[str, Any] | None = None,
    extra_settings: dict[str, Any] | None = None,
    announce: Callable[[str], None] | None = None,
) -> CrawlOutcome:
    """Crawl until done (or stopped); the Twisted reactor runs once per process.

    ``announce`` hears what happens to the job folder (resumed / started over) before the crawl starts,
    so an operator sees it even if this crawl is killed in turn.
    """
    sites = [site] if isinstance(site, str) else list(site or [])
    targets = list(start_urls) or sites
    extra = dict(extra_settings or {})
    if redis:
        from crawler.shared.addon import redis_settings
        from crawler.shared.join import job_name

        extra.update(redis_settings(redis, job_name(spider, targets)))
    resumed, note = False, ""
    if resume and jobdir is None:
        jobdir = default_jobdir(spider, targets)
    if jobdir is not None:
        resumed, note = prepare_jobdir(jobdir, resume)
        if note and announce:
            announce(note)
    chosen = chosen_profiles(sites, start_urls)
    settings = crawl_settings(
        db=db,
        delay=delay,
        max_pages=max_pages,
        jobdir=jobdir,
        progress=progress,
        extra=extra,
        site_settings=site_settings(chosen, delay_given=delay is not None),
    )
    if may_render(sites, start_urls):  # scrapy-playwright's handler, for this crawl only
        for key, value in render_settings(settings).items():
            settings.set(key, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    kwargs: dict[str, Any] = {"start_url": list(start_urls), "site": sites, **(spider_args or {})}
    process.crawl(crawler, **kwargs)
    # The start-up heap (Scrapy, trafilatura, scipy: ~200 MB of module objects) out of the collector's
    # sight: a full collection inside the crawl then walks only the crawl's own objects, instead of
    # stalling the reactor for ~0.4 s each time (measured: every download waits that long).
    gc.freeze()
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = str(stats.get("finish_reason", ""))
    if jobdir is not None:
        if reason == "shutdown":
            (jobdir / RESUMABLE_MARK).write_text("stopped cleanly\n", encoding="utf-8")
        else:
            clear_jobdir(jobdir)
    return CrawlOutcome(stats.get("kb/run_id"), reason, str(jobdir) if jobdir else None, resumed, note)
