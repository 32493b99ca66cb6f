"""The time one document's OCR may take: an overall bound on reading a whole scan, set per document.

:func:`time_limit` sets it for the documents read within a block (``nianbao check --time-limit``); a reader asks
:meth:`Budget.check` before each page and is refused once the time is up *or* the next page would run past it (a
page takes as long as the slowest one so far), so a scan is never read for much longer than its bound. This
module loads no OCR engine: the command line sets the bound without paying for one.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

from documents.errors import ExtractionError

#: Longest the OCR of one document may take by default, in seconds (a 40-page scan takes about 90 s on one core).
MAX_OCR_SECONDS = 300.0
_LIMIT: contextvars.ContextVar[float] = contextvars.ContextVar("ocr_seconds", default=MAX_OCR_SECONDS)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Within the block, the OCR of one document may take at most ``seconds`` (default :data:`MAX_OCR_SECONDS`)."""
    token = _LIMIT.set(seconds)
    try:
        yield
    finally:
        _LIMIT.reset(token)


class Budget:
    """The OCR time one document may still spend; :meth:`check` before each page refuses the document past it."""

    def __init__(self) -> None:
        self.limit = _LIMIT.get()
        self.started = time.monotonic()
        self._last = self.started
        self._slowest = 0.0

    def check(self, done: int, total: int) -> None:
        """Raise ExtractionError when the time is up, or the next page would take it past the limit, with pages
        ``done`` of ``total`` read."""
        now = time.monotonic()
        if done:
            self._slowest = max(self._slowest, now - self._last)
        self._last = now
        if now - self.started + self._slowest > self.limit:
            raise ExtractionError(
                f"扫描件文字识别超过每个文件 {self.limit:g} 秒的时限（已识别 {done}/{total} 页），已停止；"
                "请索取可复制文字的版本或分拆后再检查"
            )
