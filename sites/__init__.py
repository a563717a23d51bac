"""Site rules shared by the crawler and the KB: site profiles and canonical URLs.

A leaf: no Scrapy, no database. ``crawler`` and ``kb`` both import it; it imports neither.
"""
