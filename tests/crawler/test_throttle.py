"""A poll where everything answers 304 must be able to speed up again after one slow answer."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.throttle import RevalidatingAutoThrottle

SETTINGS = {"AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_START_DELAY": 1.0, "AUTOTHROTTLE_MAX_DELAY": 60.0, "DOWNLOAD_DELAY": 0.0}


def delay_after_fast_304s(extension_class: type[AutoThrottle]) -> float:
    extension = extension_class.from_crawler(get_crawler(settings_dict=SETTINGS))
    extension.mindelay, extension.maxdelay = 0.0, 60.0  # set when a spider opens
    slot = SimpleNamespace(delay=5.0)  # after one slow answer
    for _ in range(10):
        extension._adjust_delay(slot, 0.02, Response("http://127.0.0.1/a.html", status=304))  # type: ignore[arg-type]
    return float(slot.delay)


def test_304_lowers_the_delay_like_a_200() -> None:
    assert delay_after_fast_304s(AutoThrottle) == 5.0  # Scrapy's: stuck at the slow answer's delay
    assert delay_after_fast_304s(RevalidatingAutoThrottle) < 0.1
