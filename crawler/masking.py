"""No password of a URL reaches the crawl's log: Scrapy logs its settings ("Overridden settings":
``KB_DB_URL``, ``REDIS_URL``), and errors quote the URLs they failed on.

Installed by an add-on listed in ``crawler/settings.py``, so ``kb crawl``, ``scrapy crawl`` and scrapyd
all get it: every log record's message goes through :func:`sites.urls.mask_secrets` when it is made,
whatever handler writes it afterwards.
"""

from __future__ import annotations

import logging
from typing import Any

from sites.urls import mask_secrets


def _masking_factory(make: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format: logging reports it later, as it would have
            return record
        if "://" in message or "password" in message.lower():
            masked = mask_secrets(message)
            if masked != message:
                record.msg, record.args = masked, ()
        return record

    factory.masks_secrets = True  # type: ignore[attr-defined]
    return factory


def install() -> None:
    """Mask passwords in every log record from now on (once per process)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "masks_secrets", False):
        logging.setLogRecordFactory(_masking_factory(current))


class MaskSecretsAddon:
    """Scrapy add-on: install the masking before Scrapy logs the crawl's settings."""

    def update_settings(self, settings: Any) -> None:
        install()
