"""Site profiles: one TOML file per site; ``generic`` when none matches.

Profiles are read from this folder (``generic`` only) and then from each folder of
``KB_PROFILE_DIRS`` (``os.pathsep``-separated; a later file of the same name wins): a deployment's
sites live in its own folder, and the bundled sample site's in ``sample_site/profiles``.
Pure data and plain functions (no Scrapy), so ``kb`` can read stale windows and source priority
from the same files the crawler reads politeness and URL patterns from.

Every file is checked when it is read (``schema``): a broken one is never half-used. It breaks what names
it (``get``/``require`` raise :class:`ProfileError`, one line with file and line), and is left out of URL
matching with one warning, so a crawl of other sites still runs. ``catalog`` tells ``kb profiles`` all.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sites.profiles.schema import SCHEMA, Problem, ProfileError, read
from sites.urls import in_domains

__all__ = [
    "Catalog",
    "Problem",
    "Profile",
    "ProfileError",
    "ProfileFile",
    "catalog",
    "for_url",
    "get",
    "require",
]

log = logging.getLogger(__name__)

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
    max_pages: int = 0  # the site's page budget per crawl; 0: the crawl's KB_SITE_MAX_PAGES (20 000)
    politeness: dict[str, Any] = field(default_factory=dict)  # Scrapy setting overrides
    render: str = "plain"  # "browser": every page through headless Chromium (schema.RENDER)
    render_patterns: tuple[str, ...] = ()  # regexes on the URL path: only these pages rendered
    # The site's hosts may resolve to loopback / private addresses (an intranet site, the sample site):
    # without it such a connection is refused (crawler.resolver, sites.scope.private_reason).
    allow_private: bool = False

    def matches(self, url: str) -> bool:
        return bool(self.hosts) and in_domains(url, self.hosts)

    def is_qa(self, url: str) -> bool | None:
        """True/False when the profile knows, None when it has no Q&A patterns (generic)."""
        if not self.qa_patterns:
            return None
        path = urlsplit(url).path
        return any(re.search(p, path) for p in self.qa_patterns)

    def renders(self, url: str) -> bool:
        """True when ``url`` must be fetched by a browser (its links and answer come from scripts)."""
        if self.render == "browser":
            return True
        path = urlsplit(url).path
        return any(re.search(p, path) for p in self.render_patterns)

    def is_ignored(self, url: str) -> bool:
        path = urlsplit(url).path
        return any(re.search(p, path) for p in self.ignore_patterns)


GENERIC = Profile(name="generic")
assert set(SCHEMA) == set(Profile.__dataclass_fields__), "sites.profiles.schema.SCHEMA must check every field"


@dataclass(frozen=True)
class ProfileFile:
    """One ``*.toml`` file as read: its profile, or the problems that keep it from being one."""

    path: Path
    profile: Profile | None
    problems: tuple[Problem, ...] = ()
    shadowed_by: Path | None = None  # a later folder's file of the same name, which wins

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class Catalog:
    """Every profile folder and file, and what came of them."""

    dirs: tuple[Path, ...]
    files: tuple[ProfileFile, ...]
    profiles: dict[str, Profile]  # usable ones by name, ``generic`` always among them
    broken: dict[str, ProfileError]  # names whose winning file is broken

    def problems(self) -> list[Problem]:
        """Every problem in every file (shadowed ones too) and every folder that is not one."""
        missing = [
            Problem(d, None, "no such folder (named in KB_PROFILE_DIRS)") for d in self.dirs if not d.is_dir()
        ]
        return missing + [p for f in self.files for p in f.problems]


def profile_dirs() -> tuple[Path, ...]:
    """The folders profiles are read from, in order: the built-in one, then ``KB_PROFILE_DIRS``."""
    extra = os.environ.get("KB_PROFILE_DIRS", "")
    return (BUILTIN_DIR, *(Path(d) for d in extra.split(os.pathsep) if d))


def catalog() -> Catalog:
    return _load(profile_dirs())


@cache
def _load(dirs: tuple[Path, ...]) -> Catalog:
    read_files: list[tuple[Path, Profile | None, tuple[Problem, ...]]] = []
    for folder in dirs:
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
            data, problems = read(path)
            read_files.append((path, Profile(**data) if data is not None else None, problems))
    winner = {path.stem: path for path, _, _ in read_files}
    files = tuple(
        ProfileFile(path, profile, problems, None if winner[path.stem] == path else winner[path.stem])
        for path, profile, problems in read_files
    )
    profiles = {"generic": GENERIC}
    broken: dict[str, ProfileError] = {}
    for f in files:
        if f.shadowed_by is None and f.profile is not None:
            profiles[f.name] = f.profile
        elif f.shadowed_by is None:
            broken[f.name] = ProfileError.broken(f.name, f.problems)
            profiles.pop(f.name, None)
    return Catalog(dirs, files, profiles, broken)


def all_profiles() -> dict[str, Profile]:
    """The usable profiles by name (broken ones left out: see ``catalog().broken``)."""
    return catalog().profiles


def get(name: str | None) -> Profile:
    """The profile called ``name``; ``generic`` for None or an unknown name; ProfileError when it is broken."""
    found = catalog()
    if name in found.broken:
        raise found.broken[name]
    return found.profiles.get(name or "generic", GENERIC)


def require(name: str) -> Profile:
    """The profile called ``name``, for a command that names it: ProfileError when unknown or broken."""
    found = catalog()
    if name not in found.profiles and name not in found.broken:
        known = ", ".join(sorted(found.profiles))
        raise ProfileError(
            f"no site profile {name!r} (known: {known}; folders: sites/profiles, KB_PROFILE_DIRS)"
        )
    return get(name)


_warned: set[Path] = set()


def for_url(url: str) -> Profile:
    """The first usable profile whose hosts cover ``url``, else ``generic``.

    A broken profile is skipped, with one warning per process naming it: a crawl of other sites must
    not stop over it, and whoever runs the crawl must hear of it.
    """
    found = catalog()
    for error in found.broken.values():
        where = error.problems[0].path
        if where not in _warned:
            _warned.add(where)
            log.warning("warning: %s; skipped: URLs on its hosts get another profile or generic", error)
    for profile in found.profiles.values():
        if profile.hosts and profile.matches(url):
            return profile
    return GENERIC
