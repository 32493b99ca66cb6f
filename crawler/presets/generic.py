"""The generic preset: any portal whose 年报 column is a page of links.

Entries are the page's links whose title (or address) says 年度报告; dates come from the list item beside the
link or from the address; other pages from 下一页/尾页 links, ``index_N.html`` and ``?page=N`` links, and TRS's
pager script when present. This is what every other preset falls back to.
"""

from __future__ import annotations

from crawler.presets.base import Preset

PRESET = Preset(
    name="generic",
    label="通用网页栏目",
)
