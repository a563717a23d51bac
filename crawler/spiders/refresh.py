"""``refresh``: revisit the KB's known pages when due, with If-None-Match / If-Modified-Since.

Flagged and never-verified entries first (``kb.revisit.pages_in_order`` orders them); a 304 costs no
extraction and only moves last-seen; a 404/410 counts toward gone; a fault never touches the entry.
The due pages are read from the KB a batch at a time as Scrapy asks for requests, never all at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.spiders.base import KBSpider
from kb import clock, revisit
from kb.revisit import KnownPage
from kb.snapshot import Snapshot


class RefreshSpider(KBSpider):
    name = "refresh"

    def __init__(self, *args: Any, all_pages: bool | str = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.all_pages = str(all_pages).lower() in {"1", "true", "yes"}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self._known_arg is not None:  # given (tests): these pages, in this order
            due: Iterable[KnownPage] = self._known_arg
        else:
            due = self.due_pages(None if self.all_pages else clock.now())
        rank = 0
        for known in due:
            if not self.budget_left():
                break
            if not self.budget_left(known.url):
                continue
            if self.in_scope(known.url, page=known.url) and (
                self.all_pages or known.next_due is None or known.next_due <= clock.now()
            ):
                # Scrapy pops higher priorities first: keep pages_in_order's order (flagged first).
                yield self.request(known.url, priority=-rank, known=known)
                rank += 1

    def due_pages(self, due_before: datetime | None) -> Iterator[KnownPage]:
        """The sites' pages due by ``due_before`` (all: None), in the KB's order, a batch at a time."""
        from kb.db import session

        db = self.settings.get("KB_DB_URL")
        for name in self.site_names or [None]:
            yield from revisit.pages_in_order(lambda: session(db, readonly=True), site=name, due_before=due_before)

    async def parse(self, response: Response) -> AsyncIterator[Snapshot]:
        item, _page = await self.response_item(response)
        if item is not None:
            yield item
