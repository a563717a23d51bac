"""The spiders: ``discover`` (follow links), ``sitemap`` (a site's sitemaps), ``refresh`` (known pages when due)."""
