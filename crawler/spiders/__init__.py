"""The spiders of the crawler: one configuration-driven spider covers any portal."""
