"""The administrative commands: ``config check``, ``db upgrade`` and ``findings list|show|ack|mute|unmute``.

What they print is in a clerk's words: places as rules/locations.py says them (never an element path, except on
the 技术定位 line that ``findings show`` ends with), times in the county's time zone, states and events named in
Chinese (monitor/dashboard/labels.py). ``--format json`` keeps the English codes and ISO times.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, time
from typing import Any, Protocol, TextIO
from zoneinfo import ZoneInfo

from monitor.app import App, config_path
from monitor.clock import local_time
from monitor.config import Config, ConfigError, DeploymentConfig, load_any, load_county
from monitor.dashboard.labels import STATE_ZH, event_zh
from monitor.deployment import Deployment
from monitor.store.findings import (
    FindingView,
    LifecycleError,
    acknowledge,
    finding_events,
    get_finding,
    list_findings,
    mute,
    unmute,
)
from rules.locations import describe, technical
from rules.rule import SEVERITY_ZH

EXIT_OK, EXIT_INPUT = 0, 2


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Dispatch an administrative command; configuration and lifecycle errors exit 2 with one line."""
    try:
        file = config_path(args.config)
        loaded = load_any(file)
        if args.command == "config":
            if isinstance(loaded, DeploymentConfig):
                engine = loaded.tasks.engine
                out.write(f"部署配置正确：{loaded.name}，{len(loaded.counties)} 个县，任务引擎 {engine}。\n")
                for county in loaded.counties:
                    out.write(f"  {county.id}：{_county_line(load_county(file, loaded, county.id))}\n")
                return EXIT_OK
            out.write(f"配置正确：{_county_line(loaded)}\n")
            return EXIT_OK
        if args.command == "db" and isinstance(loaded, DeploymentConfig) and args.county is None:
            upgraded = Deployment.load(file, upgrade=True)
            try:
                for county_id, each in upgraded.apps.items():
                    out.write(f"{county_id}：数据库已升级到版本 {each.store.db.revision()}（{_safe_url(each.store.db.url)}）。\n")
            finally:
                upgraded.close()
            return EXIT_OK
        app = App.load(args.config, county=args.county, upgrade=True)
        try:
            if args.command == "db":
                out.write(f"数据库已升级到版本 {app.store.db.revision()}（{_safe_url(app.store.db.url)}）。\n")
                return EXIT_OK
            return _findings(app, args, out)
        finally:
            app.close()
    except ConfigError as exc:
        err.write(f"nianbao: 配置错误：{exc}\n")
        return EXIT_INPUT
    except LifecycleError as exc:
        err.write(f"nianbao: {exc}\n")
        return EXIT_INPUT


def _county_line(config: Config) -> str:
    return (
        f"{config.county_name}，{len(config.portals)} 个门户网站，{len(config.bodies)} 个单位，"
        f"{len(config.notifications.targets)} 个通知目标。"
    )


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _line(finding: FindingView) -> str:
    where = describe(finding.locator)
    state = STATE_ZH.get(finding.state, finding.state)
    severity = SEVERITY_ZH.get(finding.severity, finding.severity)
    who = f"{finding.body_id or '-'} {f'{finding.year}年度' if finding.year else ''}"
    return f"{finding.id:>5}  {state}  {finding.rule} {severity}  {who}  {where}  {finding.message}"


class _Event(Protocol):
    """What a finding's history line shows of a stored event."""

    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def data(self) -> Any: ...


def _event_line(event: _Event, zone: str) -> str:
    """One line of a finding's history: local time, what happened (in Chinese), who, why, until when."""
    data = event.data if isinstance(event.data, dict) else {}
    actor = "" if event.actor == "system" else f"  {event.actor}"
    reason = f"  {data['reason']}" if data.get("reason") else ""
    until = data.get("until")
    until_text = ""
    if isinstance(until, str) and until:
        until_text = f"（至 {local_time(datetime.fromisoformat(until), zone, '%Y-%m-%d')}）"
    return f"  {local_time(event.at, zone)}  {event_zh(event.kind, data)}{until_text}{actor}{reason}"


def _findings(app: App, args: argparse.Namespace, out: TextIO) -> int:
    now = app.clock.now()
    command = args.findings_command
    with app.store.db.transaction() as session:
        if command == "list":
            found = list_findings(session, state=args.state, body_id=args.body)
            if args.format == "json":
                for f in found:
                    out.write(json.dumps(_as_dict(f), ensure_ascii=False) + "\n")
            else:
                for f in found:
                    out.write(_line(f) + "\n")
                out.write(f"共 {len(found)} 个问题。\n")
            return EXIT_OK
        if command == "show":
            finding = get_finding(session, args.finding)
            zone = app.config.timezone
            out.write(_line(finding) + "\n")
            first, last = local_time(finding.first_seen, zone), local_time(finding.last_seen, zone)
            out.write(f"指纹：{finding.fingerprint}  首次发现：{first}  最近发现：{last}\n")
            for event in finding_events(session, finding.id):
                out.write(_event_line(event, zone) + "\n")
            if raw := technical(finding.locator):
                out.write(f"技术定位：{raw}\n")
            return EXIT_OK
        if command == "ack":
            finding = acknowledge(session, args.finding, actor=args.by, reason=args.reason, at=now)
        elif command == "mute":
            tz = ZoneInfo(app.config.timezone)
            until = datetime.combine(args.until, time(23, 59), tzinfo=tz)
            finding = mute(session, args.finding, actor=args.by, reason=args.reason, until=until, at=now)
        else:
            finding = unmute(session, args.finding, actor=args.by, reason=args.reason, at=now)
        out.write(_line(finding) + "\n")
        return EXIT_OK


def _as_dict(finding: FindingView) -> dict[str, object]:
    return {
        "id": finding.id,
        "fingerprint": finding.fingerprint,
        "rule": finding.rule,
        "severity": finding.severity,
        "body": finding.body_id,
        "year": finding.year,
        "state": finding.state,
        "message": finding.message,
        "locator": finding.locator,
        "first_seen": finding.first_seen.isoformat(),
        "last_seen": finding.last_seen.isoformat(),
    }
