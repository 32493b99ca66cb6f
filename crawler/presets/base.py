"""What a portal preset is: the knowledge of one content management system that county portals run on.

A preset says how to recognise the system from a column page (:attr:`Preset.score`), which CSS selectors read its
lists and articles (:attr:`Preset.selectors`, under the portal's own ``selectors`` which win), and how a list
answer (a page, the XML of a data proxy, the JSON of an API) becomes entries and further list requests
(:attr:`Preset.read`). A configured column is always first asked for as it is written (without its ``#fragment``,
which gkmlpt's reader takes from :attr:`ListContext.column_url`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from crawler.links import ListPage, read_list


@dataclass(frozen=True)
class ListContext:
    """A list answer to read: its text and address, the configured column it belongs to (with any ``#fragment``
    the configuration gives), the selectors in force, the county's time zone (for dates given as instants) and the
    form fields it was asked with."""

    text: str
    url: str
    column_url: str
    selectors: Mapping[str, str]
    timezone: str = "Asia/Shanghai"
    form: tuple[tuple[str, str], ...] = ()  # the form fields the answer was asked with (a POST's)


def links_reader(context: ListContext) -> ListPage:
    """The generic reading of a list page: its links (and script records), its other pages."""
    return read_list(context.text, context.url, context.selectors)


def no_score(text: str, url: str) -> int:
    """A preset that is never detected (chosen only by name)."""
    return 0


@dataclass(frozen=True)
class Preset:
    """One portal system: its name in ``nianbao.yaml``, its Chinese label, how to detect and read it."""

    name: str
    label: str
    score: Callable[[str, str], int] = no_score
    selectors: Mapping[str, str] = field(default_factory=dict)
    read: Callable[[ListContext], ListPage] = links_reader

    def merged(self, own: Mapping[str, str]) -> dict[str, str]:
        """The selectors in force: the preset's, overridden key by key by the portal's own."""
        return {**self.selectors, **own}
