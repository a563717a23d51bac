"""The knowledge base: models, ingest, normalization, dedupe, versions, flags, export, reports.

The core never imports Scrapy; ``kb.cli`` is the one place that ties crawler and kb together.
"""
