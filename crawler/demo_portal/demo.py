"""``nianbao demo``, crawl part: serve the demo portal, crawl it three times, say what was found and where.

1. the first crawl finds every report (body, year, publication date and where that date came from);
2. a second crawl with nothing changed: the column pages answer 304 and no report is downloaded;
3. 次营镇 edits its report after publication: only that report is downloaded again, stored as a new version.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TextIO

from crawler.demo_portal.portal import DemoPortal
from crawler.demo_portal.site import BODIES
from crawler.run import CrawlSummary, crawl_portal
from monitor.store import Store

_SOURCES = {"PubDate": "页面 PubDate 元数据", "visible": "页面上的发布时间", "url": "网址中的日期", "first_seen": "首次发现日期"}
_KINDS = {"application/pdf": "PDF 附件", "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX 附件"}


def _summary_line(label: str, summary: CrawlSummary) -> str:
    state = "成功" if not summary.failed else f"失败（{summary.finish_reason}）"
    return (
        f"{label}：{state}；请求 {summary.requests} 次（其中 304 未修改 {summary.responses_304} 次），"
        f"接收 {summary.bytes:,} 字节，列表页 {summary.pages} 个，新文档 {summary.new_documents} 个，"
        f"变更文档 {summary.changed_documents} 个，用时 {summary.seconds:.1f} 秒\n"
    )


def run_crawl_demo(out: TextIO, err: TextIO, workspace: str | Path | None = None) -> int:
    """Crawl the demo portal three times into ``workspace`` (a new folder when None) and report; exit status 0
    when every crawl behaved as the demo expects, 1 otherwise."""
    folder = Path(workspace) if workspace is not None else Path(tempfile.mkdtemp(prefix="nianbao-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = f"sqlite:///{folder / 'nianbao.db'}"
    blobs = folder / "blobs"
    names = {body.id: body.name for body in BODIES}
    with DemoPortal() as portal:
        config_file = portal.write_config(folder / "nianbao.yaml", database=database, blobs=str(blobs))
        config = portal.config
        out.write(f"演示县门户网站已在本机启动：{portal.url(portal.site.column_url())}\n")
        first = crawl_portal(config, "demo", database, blobs, cache_dir=folder / "httpcache")
        out.write(_summary_line("第一次抓取", first))
        store = Store.open(database, blobs)
        try:
            documents = store.crawl.documents("demo")
        finally:
            store.close()
        found = set()
        for document in documents:
            if document.status != "active":
                continue
            found.add(document.body_id)
            kind = _KINDS.get((document.content_type or "").split(";")[0], "网页")
            source = _SOURCES.get(document.published_from or "", document.published_from or "")
            body = names.get(document.body_id or "", "（未能对应到登记单位）")
            out.write(f"  {body}  {document.year}年度  {kind}  发布日期 {document.published_on}（来源：{source}）\n")
        missing = [names[b.id] for b in BODIES if b.id not in found]
        if missing:
            out.write(f"  尚未发现年度报告的单位：{'、'.join(missing)}\n")
        second = crawl_portal(config, "demo", database, blobs, cache_dir=folder / "httpcache")
        out.write(_summary_line("第二次抓取（网站没有变化）", second))
        portal.edit_report("ciying")
        out.write("次营镇人民政府在发布后修改了报告。\n")
        third = crawl_portal(config, "demo", database, blobs, cache_dir=folder / "httpcache")
        out.write(_summary_line("第三次抓取（一份报告被修改）", third))
    out.write(f"结果保存在：{folder}（数据库 nianbao.db，原始文件 blobs/，配置 {config_file.name}）\n")
    ok = not (first.failed or second.failed or third.failed) and third.changed_documents == 1 and second.new_documents == 0
    if not ok:
        err.write("nianbao: 演示抓取的结果与预期不符，请查看上面的输出\n")
    return 0 if ok else 1
