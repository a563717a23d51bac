"""The Scrapy project (spiders, middlewares, pipelines) and the pure extractor.

Importing ``crawler`` or ``extract`` must never import Scrapy: ``kb`` uses the
extractor without the crawl.
"""
