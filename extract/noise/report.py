"""What the cleaning found: the related links of removed blocks, and counts for page typing."""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.noise.words import USER_PATH
from extract.text import compact, element_text, page_link, squash


@dataclass
class NoiseReport:
    """Links of the removed cards and sections; how many cards and section links (a listing has many)."""

    related: list[dict[str, str]] = field(default_factory=list)
    cards: int = 0
    section_links: int = 0
    comments: list = field(default_factory=list)  # the comment runs' removed elements, in page order
    _seen: set[str] = field(default_factory=set)

    def add_links(self, el, base: str, self_url: str) -> None:
        for a in el.iter("a"):
            url = page_link(a.get("href"), base)
            title = element_text(a, 200) or squash(a.get("title"))
            if not url or url == self_url or url in self._seen or len(compact(title)) < 4:
                continue
            if USER_PATH.search(url):
                continue
            self._seen.add(url)
            self.related.append({"title": title[:200], "url": url})

