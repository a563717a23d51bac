"""Site profiles: one TOML file per site; ``generic`` when none matches.

Profiles are read from this folder (``generic`` only) and then from each folder of
``KB_PROFILE_DIRS`` (``os.pathsep``-separated; a later file of the same name wins): a deployment's
sites live in its own folder, and the bundled sample site's in ``sample_site/profiles``.
Pure data and plain functions (no Scrapy), so ``kb`` can read stale windows and source priority
from the same files the crawler reads politeness and URL patterns from.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sites.urls import in_domains

BUILTIN_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Profile:
    name: str
    hosts: tuple[str, ...] = ()  # host names (no port) this profile covers
    allowed_domains: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    qa_patterns: tuple[str, ...] = ()  # regexes on the URL path: Q&A pages
    listing_patterns: tuple[str, ...] = ()
    ignore_patterns: tuple[str, ...] = ()
    priority: int = 0  # source priority: higher wins the canonical source when copies merge
    stale_days: int = 180
    stale_days_disclaimer: int = 60
    gone_after: int = 1  # 404/410 answers in a row before a page counts as gone
    off_topic_hops: int = 1
    politeness: dict[str, Any] = field(default_factory=dict)  # Scrapy setting overrides

    def matches(self, url: str) -> bool:
        return bool(self.hosts) and in_domains(url, self.hosts)

    def is_qa(self, url: str) -> bool | None:
        """True/False when the profile knows, None when it has no Q&A patterns (generic)."""
        if not self.qa_patterns:
            return None
        path = urlsplit(url).path
        return any(re.search(p, path) for p in self.qa_patterns)

    def is_ignored(self, url: str) -> bool:
        path = urlsplit(url).path
        return any(re.search(p, path) for p in self.ignore_patterns)


GENERIC = Profile(name="generic")


def _from_toml(path: Path) -> Profile:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data.setdefault("name", path.stem)
    known = Profile.__dataclass_fields__
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"{path.name}: unknown profile keys {sorted(unknown)}")
    return Profile(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def profile_dirs() -> tuple[Path, ...]:
    """The folders profiles are read from, in order: the built-in one, then ``KB_PROFILE_DIRS``."""
    extra = os.environ.get("KB_PROFILE_DIRS", "")
    return (BUILTIN_DIR, *(Path(d) for d in extra.split(os.pathsep) if d))


def all_profiles() -> dict[str, Profile]:
    return _load(profile_dirs())


@cache
def _load(dirs: tuple[Path, ...]) -> dict[str, Profile]:
    profiles = {p.stem: _from_toml(p) for d in dirs for p in sorted(d.glob("*.toml"))}
    profiles.setdefault("generic", GENERIC)
    return profiles


def get(name: str | None) -> Profile:
    """The profile called ``name``; ``generic`` for None or an unknown name."""
    return all_profiles().get(name or "generic", GENERIC)


def for_url(url: str) -> Profile:
    """The first profile whose hosts cover ``url``, else ``generic``."""
    for profile in all_profiles().values():
        if profile.hosts and profile.matches(url):
            return profile
    return GENERIC
