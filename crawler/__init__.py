"""The Scrapy project: spiders, middlewares, pipelines, settings (``scrapy.cfg`` at the repo root).

Spiders yield :class:`kb.snapshot.Snapshot` items and read the KB through ``kb.revisit``; the one
pipeline hands items to ``kb.ingest``. The pure leaves it uses (``extract``, ``sites``) import no Scrapy.
"""
