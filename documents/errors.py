"""The one error type of extraction: the bytes could not be read as a document."""

from __future__ import annotations


class ExtractionError(Exception):
    """The input could not be turned into a Document.

    ``reason`` is a one-line explanation in Simplified Chinese, meant for the person who supplied the file.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
