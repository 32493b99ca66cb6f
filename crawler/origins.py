"""Where a portal crawl may go: the hosts of ``allowed_domains``, on the origins the configuration names.

An origin is ``scheme://host:port``. A crawl asks only for http(s) URLs whose host is in the portal's
``allowed_domains`` (or a subdomain of one) and whose port is either the port of a configured origin (a start URL
or a body's column of the portal) or the scheme's standard port. Links, redirects and attachments are judged
alike (:class:`crawler.middlewares.ConfiguredHostsMiddleware` sees every request). This module does not import
Scrapy: the parent process of a crawl uses it too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def host_allowed(host: str | None, domains: Sequence[str]) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one."""
    if not host:
        return False
    host = host.lower().rstrip(".")
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def origin(url: str) -> str | None:
    """``scheme://host:port`` of an http(s) URL (the port always written), None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port out of range or not a number
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return f"{scheme}://{parts.hostname.rstrip('.')}:{port if port is not None else DEFAULT_PORTS[scheme]}"


def portal_origins(urls: Iterable[str]) -> list[str]:
    """The origins of the portal's configured URLs (its start URLs and its bodies' columns), sorted."""
    return sorted({o for o in map(origin, urls) if o is not None})


def url_allowed(url: str, domains: Sequence[str], origins: Collection[str]) -> bool:
    """True when the crawl may ask for ``url``: http(s), its host in ``domains`` (or a subdomain of one), and
    its port either the one of a configured origin (scheme, host and port of a start URL or column) or the
    scheme's standard port (80, 443).

    ``allowed_domains`` thus names the portal's hosts, and only on the web's standard ports: a portal on
    ``https://www.x.gov.cn/`` may link to ``http://www.x.gov.cn/`` or ``https://files.x.gov.cn/``, never to
    ``http://www.x.gov.cn:8080/`` (an intranet application, an administration console) unless a configured URL
    is on that very origin. A portal configured on a non-standard port gets that origin and no other port.
    """
    found = origin(url)
    if found is None:
        return False
    scheme, _, rest = found.partition("://")
    host, _, port = rest.rpartition(":")
    if not host_allowed(host, domains):
        return False
    return found in origins or int(port) == DEFAULT_PORTS[scheme]
