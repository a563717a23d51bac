"""``kb crawl``: one Scrapy crawl into the KB, with a live display and a closing table."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kb.cli.app import DbOption, app, console, err_console, fail


@app.command()
def crawl(
    site: Annotated[
        list[str] | None,
        typer.Option(
            "--site",
            help="Crawl a site by its profile (NAME.toml in sites/profiles/ or KB_PROFILE_DIRS); repeat for several at once.",
        ),
    ] = None,
    start_url: Annotated[
        list[str] | None,
        typer.Option("--start-url", help="Start here (repeatable); the allowed domains follow."),
    ] = None,
    spider: Annotated[str, typer.Option("--spider", help="discover | sitemap | refresh")] = "discover",
    max_pages: Annotated[
        int | None, typer.Option("--max-pages", min=1, help="Stop after this many responses.")
    ] = None,
    delay: Annotated[
        float | None,
        typer.Option("--delay", min=0, help="Download delay floor in seconds (0 on loopback only)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue a crawl stopped cleanly (Ctrl-C).")
    ] = False,
    jobdir: Annotated[
        Path | None, typer.Option("--jobdir", help="Where crawl state is kept for --resume.")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout", min=0.1, help="Give up on a response after this many seconds (default 20)."
        ),
    ] = None,
    retries: Annotated[
        int | None,
        typer.Option("--retries", min=0, help="Retries of a failed fetch (429 / 5xx / timeouts; default 3)."),
    ] = None,
    no_refresh: Annotated[
        bool, typer.Option("--no-refresh", help="discover: do not revisit the KB's known pages.")
    ] = False,
    redis: Annotated[
        str | None,
        typer.Option("--redis", help="Share the crawl through Redis (scrapy-redis): one worker of many."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Crawl sites into the KB: several at once, each at its own pace, in one run.

    Exit codes: 0 every site done; 3 some sites failed (robots.txt unavailable, nothing fetched, most
    fetches failed: named on stderr and in the run's sites table), the others done; 1 the run failed
    (every site failed, or pages could not be stored); 2 bad usage; 4 another crawl is writing to this
    SQLite KB (nothing done); 130 stopped before the end (Ctrl-C, SIGTERM)."""
    from crawler.launch import SPIDERS, JobdirRefused, launch_crawl, may_render
    from crawler.render import BrowserMissing, chromium
    from kb import runs
    from kb.db import check_writable, get_engine, resolve_url, session
    from kb.locks import KBBusy, crawl_lock
    from kb.models import Run
    from sites import profiles
    from sites.scope import is_web_url

    if spider not in SPIDERS:
        fail(f"--spider must be one of {', '.join(SPIDERS)}, not {spider!r}")
    sites = list(dict.fromkeys(site or []))
    chosen = [profiles.require(name) for name in sites]  # unknown or broken: one line, exit 2
    urls = list(start_url or [])
    for url in urls:
        if not is_web_url(url):  # what the spiders refuse too (sites.scope: no user@host either)
            fail(f"--start-url must be an http(s) URL with a host, not {url!r}")
    for profile in chosen if spider != "refresh" else []:
        if len(chosen) == 1 and urls:
            break  # one site: the start URLs given are its
        if not any(profile.matches(u) for u in urls) and not profile.start_urls and not (
            spider == "sitemap" and profile.sitemaps
        ):
            what = "sitemaps or start_urls" if spider == "sitemap" else "start_urls"
            fail(f"{spider}: site {profile.name!r} has no {what} (give --start-url URL on its hosts)")
    if spider in ("discover", "sitemap") and not urls and not chosen:
        fail(f"{spider} needs --start-url URL or --site NAME")
    if may_render(sites, urls):
        try:
            chromium()
        except BrowserMissing as exc:
            fail(str(exc))
    url = resolve_url(db)
    get_engine(url, create=True)  # a bad --db is one line here, before Scrapy starts
    check_writable(url)  # so is a KB it may not write (read-only file)
    if redis:
        from crawler.shared.join import RedisUnavailable, check_redis

        try:
            check_redis(redis)
        except RedisUnavailable as exc:
            fail(str(exc))

    lock = ExitStack()
    try:
        lock.enter_context(crawl_lock(url))
    except KBBusy as exc:
        err_console.print(f"kb: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_BUSY) from None
    with lock:
        try:
            outcome = launch_crawl(
                spider,
                db=url,
                start_urls=urls,
                site=sites,
                max_pages=max_pages,
                delay=delay,
                jobdir=jobdir,
                resume=resume,
                redis=redis,
                progress=sys.stderr.isatty(),
                spider_args={"no_refresh": no_refresh} if spider == "discover" else None,
                extra_settings={
                    **({"DOWNLOAD_TIMEOUT": timeout} if timeout else {}),
                    **({"RETRY_TIMES": retries} if retries is not None else {}),
                },
                announce=lambda note: err_console.print(f"kb: {note}", highlight=False),
            )
        except JobdirRefused as exc:
            fail(str(exc))
    if outcome.run_id is None:
        fail("the crawl did not start (see the log above)")
    with session(url) as s:
        sites_done = runs.run_sites(s, outcome.run_id)
        run = s.get(Run, outcome.run_id)
        assert run is not None
        table = Table(title=f"run {run.id}: {run.spider} ({outcome.finish_reason})", title_justify="left")
        table.add_column("pages")
        table.add_column("count", justify="right")
        for col in runs.RUN_COUNTS:
            table.add_row(
                "304 not modified" if col == "not_modified" else col.replace("_", " "), str(getattr(run, col))
            )
        if run.finished_at is not None:
            table.add_row("duration", f"{(run.finished_at - run.started_at).total_seconds():.1f} s")
        table.add_row("status", run.status)
        console.print(table)
        if run.errors and run.errors != "{}":
            console.print(f"errors by kind: {run.errors}", highlight=False)
        lost = json.loads(run.errors or "{}").get("store_error", 0)
        if lost:
            err_console.print(
                f"kb: {lost} fetched pages could not be stored in the KB (store_error): the run failed",
                highlight=False,
            )
        dropped = json.loads(run.args or "{}").get("out_of_scope")
        if dropped:  # links, <loc>s, redirects the crawl's scope refused (README: Security)
            console.print(f"not fetched, out of scope: {json.dumps(dropped)}", highlight=False)
        if outcome.finish_reason == "shutdown":
            hint = (
                f"`kb crawl --resume --jobdir {outcome.jobdir} ...` continues it"
                if outcome.jobdir
                else "run it again to start over (with --resume it could have kept its queue)"
            )
            err_console.print(f"kb: crawl stopped before the end; {hint}", highlight=False)
        status = runs.run_status(run) if run.status == "running" else run.status
        if len(sites_done) > 1:
            console.print(sites_table(sites_done))
        for r in sites_done:  # a redesign or a broken extraction: one line each, as a failed site has
            if r.alarm:
                held = "its new versions held back as suspect" if r.held == "suspect" else "nothing held back"
                err_console.print(f"kb: template-change alarm on {r.site}: {r.alarm}; {held} (kb report; kb accept-run / reject-run {run.id})", highlight=False, soft_wrap=True)
        failed = [r for r in sites_done if r.status == "failed"]
        if failed:
            names = "; ".join(f"{r.site} ({r.reason})" for r in failed)
            line = f"kb: {len(failed)} of {len(sites_done)} sites failed: {names}"
            err_console.print(line, highlight=False, soft_wrap=True)  # one line: kb-nightly's log greps it
    if status == "failed":
        raise typer.Exit(1)
    if status == "interrupted":
        raise typer.Exit(130)  # stopped (Ctrl-C, SIGTERM from a timeout): a nightly must not read it as ok
    if failed:
        raise typer.Exit(EXIT_SITES_FAILED)


EXIT_SITES_FAILED = 3  # some sites failed, the others were crawled (scheduled/kb-nightly reads it)
EXIT_BUSY = 4  # another crawl is writing to this (SQLite) KB: this one did nothing



def sites_table(rows: list) -> Table:  # list[kb.models.RunSite]
    """One line per site of the run: status, the main counts, why it failed."""
    counts = ("fetched", "new", "changed", "failed")
    table = Table(title="sites", title_justify="left")
    for col in ("site", "status", *counts, "note"):
        table.add_column(col, justify="right" if col in counts else "left", overflow="fold")
    for r in rows:
        table.add_row(r.site, r.status, *(str(getattr(r, c)) for c in counts), r.reason or "")
    return table
