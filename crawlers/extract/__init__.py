"""Pure extraction helpers: bytes and HTML in, plain Python values out (no Scrapy, no network)."""
