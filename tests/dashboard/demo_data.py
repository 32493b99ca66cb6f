"""Demo data of the dashboard tests: a county whose towns published the five seed reports, on SQLite.

ciying published seed 000 (S106 on 表四) and then a corrected version whose 表三 has a wrong cell (A201/A203);
jiaohu published late; gaozhuang published seed 003 as a web page (findings located by element paths); the audit
office published nothing (D601 after the sweep); the county is not due yet, unless ``pdf`` is asked for: then it
published seed 000 drawn as a PDF (findings located by pages). The county's time zone is Asia/Shanghai unless
another is given (the tests of local times use one far from it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from monitor.app import App
from monitor.clock import FixedClock
from monitor.dashboard.passwords import hash_password
from monitor.store import FetchedDocument
from monitor.store.findings import list_findings
from tests.conftest import FIXTURES, seed_text

PASSWORD = "正确的马电池钉-2026"
OTHER_PASSWORD = "another-long-password"
NOW = datetime(2026, 2, 20, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai; towns' and departments' deadline passed

BODIES: list[dict[str, Any]] = [
    {"id": "xianfu", "name": "某县人民政府", "type": "county"},
    {"id": "shenji", "name": "某县审计局", "type": "department"},
    {"id": "ciying", "name": "次营镇人民政府", "aliases": ["次营镇"], "type": "town"},
    {"id": "dayu", "name": "大峪镇人民政府", "aliases": ["大峪镇"], "type": "town"},
    {"id": "xiping", "name": "西坪镇人民政府", "aliases": ["西坪镇"], "type": "town"},
    {"id": "jiaohu", "name": "焦虎镇人民政府", "aliases": ["焦虎镇"], "type": "town"},
    {"id": "qiliying", "name": "七里营镇人民政府", "aliases": ["七里营镇"], "type": "town"},
    {"id": "gaozhuang", "name": "高庄镇人民政府", "aliases": ["高庄镇"], "type": "town"},
]


def mutated_000() -> str:
    """Seed 000 with 表四 fixed and 表三 一、本年新收 / 自然人 changed from 0 to 3 (A201 and A203 fail)."""
    lines = seed_text("000-fixed").split("\n")
    index = next(i for i, line in enumerate(lines) if "本年新收政府信息公开申请数量" in line and "\t0" in line)
    fields = lines[index].split("\t")
    first = next(i for i, f in enumerate(fields) if f.strip() == "0")
    fields[first] = "3"
    lines[index] = "\t".join(fields)
    return "\n".join(lines)


@dataclass
class Demo:
    """The demo county: its configuration file and the loaded App."""

    config_file: Path
    app: App
    clock: FixedClock


def write_config(folder: Path, users: list[dict[str, str]], timezone: str = "Asia/Shanghai") -> Path:
    """nianbao.yaml of the demo county, storage inside ``folder``."""
    config = {
        "county": {"name": "某县", "timezone": timezone},
        "deadlines": {"town": "01-31"},
        "storage": {"database": "sqlite:///var/nianbao.db", "blobs": "var/blobs", "digests": "var/digests"},
        "bodies": BODIES,
        "dashboard": {"host": "127.0.0.1", "port": 8080, "session_hours": 8, "users": users},
    }
    path = folder / "nianbao.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build_demo(folder: Path, *, timezone: str = "Asia/Shanghai", pdf: bool = False) -> Demo:
    """Create the demo county in ``folder``: configuration, reports fetched and checked, the deadline sweep run."""
    users = [
        {"name": "zhangsan", "password_hash": hash_password(PASSWORD)},
        {"name": "lisi", "password_hash": hash_password(OTHER_PASSWORD)},
    ]
    folder.mkdir(parents=True, exist_ok=True)
    config_file = write_config(folder, users, timezone)
    clock = FixedClock(datetime(2026, 1, 15, 2, 0, tzinfo=UTC))
    app = App.load(str(config_file), clock=clock)
    published = {
        "000": date(2026, 1, 10),
        "001": date(2026, 1, 20),
        "002": date(2026, 1, 28),
        "003": date(2026, 2, 5),
        "004": date(2026, 1, 30),
    }
    owners = {"000": "ciying", "001": "dayu", "002": "xiping", "003": "jiaohu", "004": "qiliying"}
    for seed, body in owners.items():
        when = datetime.combine(published[seed], datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
        clock.at = max(clock.at, when)
        app.store.crawl.record(
            FetchedDocument(
                url=f"http://127.0.0.1/zfxxgknb/{body}/2025.html",
                data=seed_text(seed).encode("utf-8"),
                fetched_at=clock.now(),
                body_id=body,
                title=f"{next(b['name'] for b in BODIES if b['id'] == body)}2025年政府信息公开工作年度报告",
                year=2025,
                published_on=published[seed],
                published_from="PubDate",
                content_type="text/plain; charset=utf-8",
            )
        )
        app.process()
    clock.at = datetime(2026, 2, 6, 2, 0, tzinfo=UTC)
    app.store.crawl.record(  # a web page: its findings are located by element paths (S109 on a paragraph)
        FetchedDocument(
            url="http://127.0.0.1/zfxxgknb/gaozhuang/2025.html",
            data=(FIXTURES / "html" / "003_hanweb.html").read_bytes(),
            fetched_at=clock.now(),
            body_id="gaozhuang",
            title="高庄镇人民政府2025年政府信息公开工作年度报告",
            year=2025,
            published_on=date(2026, 1, 25),
            published_from="PubDate",
            content_type="text/html",
        )
    )
    app.process()
    if pdf:
        from tests.formats_build import reportlab_pdf  # reportlab and friends, only when a PDF is asked for

        clock.at = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)
        app.store.crawl.record(  # a PDF: its findings are located by pages (S106 on 表四, page 3)
            FetchedDocument(
                url="http://127.0.0.1/zfxxgknb/xianfu/2025.pdf",
                data=reportlab_pdf("000"),
                fetched_at=clock.now(),
                body_id="xianfu",
                title="某县人民政府2025年政府信息公开工作年度报告",
                year=2025,
                published_on=date(2026, 2, 10),
                published_from="PubDate",
                content_type="application/pdf",
            )
        )
        app.process()
    clock.at = datetime(2026, 2, 12, 2, 0, tzinfo=UTC)
    app.store.crawl.record(
        FetchedDocument(
            url="http://127.0.0.1/zfxxgknb/ciying/2025.html",
            data=mutated_000().encode("utf-8"),
            fetched_at=clock.now(),
            body_id="ciying",
            year=2025,
            content_type="text/plain; charset=utf-8",
        )
    )
    app.process()
    clock.at = NOW
    app.sweep()
    digests = folder / "var" / "digests"
    digests.mkdir(parents=True, exist_ok=True)
    (digests / "2026-W08.html").write_text(
        "<!doctype html><html lang='zh-CN'><body><h1>某县 2026年第8周汇总</h1></body></html>", encoding="utf-8"
    )
    return Demo(config_file, app, clock)


def finding_id(app: App, body_id: str, rule: str) -> int:
    """The id of the finding of ``rule`` for ``body_id``."""
    with app.store.db.transaction() as session:
        return next(f.id for f in list_findings(session, body_id=body_id) if f.rule == rule)
