"""``refresh``: revisit the KB's known pages when due, with If-None-Match / If-Modified-Since.

Flagged and never-verified entries first (``kb.revisit.known_pages`` orders them); a 304 costs no
extraction and only moves last-seen; a 404/410 counts toward gone; a fault never touches the entry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.spiders.base import KBSpider
from kb import clock
from kb.snapshot import Snapshot


class RefreshSpider(KBSpider):
    name = "refresh"

    def __init__(self, *args: Any, all_pages: bool | str = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.all_pages = str(all_pages).lower() in {"1", "true", "yes"}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.load_known()
        now = clock.now()
        for rank, known in enumerate(self.known.values()):
            if not self.budget_left():
                break
            if not self.budget_left(known.url):
                continue
            if self.all_pages or known.next_due is None or known.next_due <= now:
                # Scrapy pops higher priorities first: keep known_pages' order (flagged first).
                yield self.request(known.url, priority=-rank)

    async def parse(self, response: Response) -> AsyncIterator[Snapshot]:
        item, _page = await self.response_item(response)
        if item is not None:
            yield item
