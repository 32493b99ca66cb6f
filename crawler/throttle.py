"""AutoThrottle for revalidating crawls: a 304 Not Modified counts as a success when the delay is adjusted.

Scrapy's AutoThrottle lowers its delay only on 200 responses. A poll in which everything answers 304 could then
only ever slow down: one slow answer set the delay for the rest of the poll (on a real portal, one 5 s answer
made a no-change poll of a county take longer than its time limit). A 304 is the server saying "nothing new",
cheaply; it is as good a latency sample as a 200.
"""

from __future__ import annotations

from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


class RevalidatingAutoThrottle(AutoThrottle):
    """AutoThrottle that adjusts on 304 responses as on 200 ones."""

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
