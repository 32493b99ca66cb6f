"""nianbao.yaml: the county, deadlines, portals, bodies, notifications and schedule, validated at start.

Every error names the key and what is allowed, e.g. ``bodies[3].portal: 'xian' is not a portal id (known: yc)``.
Secrets never live here: notification URLs may refer to environment variables as ``${NAME}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from monitor.secrets import inline_secrets
from rules.deadlines import default_deadline, fixed_by_law

if TYPE_CHECKING:
    from rules.rule import BodyType

T = TypeVar("T")

BODY_TYPES = ("town", "department", "county")
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """The configuration is invalid; the message names the key and what is allowed."""


def parse_duration(text: str) -> int:
    """Seconds of a duration such as ``30s``, ``5m``, ``6h`` or ``1d``."""
    match = _DURATION.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30s, 5m, 6h or 1d")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@dataclass(frozen=True)
class Portal:
    """A portal to crawl: its 年报 columns and how politely to crawl them."""

    id: str
    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    contact: str
    poll_interval: int = 6 * 3600
    max_pages: int = 50
    concurrency: int = 2
    download_delay: float = 1.0
    timeout: int = 30
    max_bytes: int = 20 * 1024 * 1024
    time_limit: int = 900
    selectors: Mapping[str, str] = field(default_factory=dict)
    #: The portal system (see :mod:`crawler.presets`): ``auto`` detects it from the first column page.
    preset: str = "auto"


@dataclass(frozen=True)
class Body:
    """A registered body that must publish its report."""

    id: str
    name: str
    type: str
    portal: str | None
    aliases: tuple[str, ...] = ()
    column: str | None = None
    deadline: str | None = None
    notify: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """A notification target: an apprise URL (``${ENV}`` references expanded at send time) and its tag."""

    tag: str
    url: str


@dataclass(frozen=True)
class Notifications:
    """Where and how often to notify."""

    targets: tuple[Target, ...] = ()
    apprise_config: str | None = None
    repeat_days: int = 7
    escalate_days: int = 14
    quiet_hours: tuple[str, str] | None = None
    max_attempts: int = 8
    retry_base_seconds: int = 60
    county_summary: bool = True
    slow_retry_interval: int = 6 * 3600  # seconds between retries once max_attempts are used up


@dataclass(frozen=True)
class Schedule:
    """When the service's jobs run."""

    process_interval: int = 300
    dispatch_interval: int = 60
    deadline_sweep: str = "08:00"
    digest_day: str = "mon"
    digest_time: str = "08:30"


@dataclass(frozen=True)
class DashboardUser:
    """An account of the dashboard: a name and a scrypt hash (``nianbao dashboard hash-password``).

    In a deployment of several counties, ``county`` is the county the user belongs to (sees and acts on that one
    only); None is the supervising office, which sees every county."""

    name: str
    password_hash: str
    county: str | None = None


@dataclass(frozen=True)
class Dashboard:
    """The web dashboard served by ``nianbao serve``.

    The secret that signs session cookies is read from the environment variable named by ``secret_env``,
    never from this file.
    """

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    session_hours: int = 12
    secret_env: str = "NIANBAO_SECRET"
    secure_cookie: bool = False
    behind_proxy: bool = False
    users: tuple[DashboardUser, ...] = ()


TASK_ENGINES = ("inprocess", "procrastinate")


@dataclass(frozen=True)
class Tasks:
    """Where the service's work runs: ``inprocess`` (the scheduling service itself, the default) or
    ``procrastinate`` (tasks queued in PostgreSQL and run by ``nianbao worker`` processes on any host)."""

    engine: str = "inprocess"


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    county_name: str
    timezone: str = "Asia/Shanghai"
    county_notify: tuple[str, ...] = ("county",)
    dashboard_url: str | None = None
    deadlines: Mapping[str, str] = field(default_factory=lambda: {"department": "01-31", "town": "01-31", "county": "03-31"})
    reminder_days: tuple[int, ...] = (7, 3, 1)
    database: str | None = None
    blobs: str = "var/blobs"
    digests: str = "var/digests"
    portals: tuple[Portal, ...] = ()
    bodies: tuple[Body, ...] = ()
    notifications: Notifications = field(default_factory=Notifications)
    schedule: Schedule = field(default_factory=Schedule)
    dashboard: Dashboard = field(default_factory=Dashboard)
    tasks: Tasks = field(default_factory=Tasks)

    def portal(self, portal_id: str) -> Portal:
        """The portal with this id."""
        return next(p for p in self.portals if p.id == portal_id)

    def deadline_of(self, body: Body) -> str:
        """The body's deadline as ``MM-DD`` of the year after the report year."""
        return body.deadline or self.deadlines[body.type]

    def deadline_for(self, body: Body, year: int) -> tuple[date, bool]:
        """The body's deadline for a report on ``year`` and whether it is statutory (departments, county).

        For report years when the law fixed one date for every body (31 March under the 2008 条例) that date
        holds, whatever the configuration says of today's deadlines."""
        if fixed_by_law(year):
            return default_deadline(cast("BodyType", body.type), year)
        month, day = (int(x) for x in self.deadline_of(body).split("-"))
        return date(year + 1, month, day), body.type in ("department", "county")


class _Reader:
    """Walks the YAML tree, remembering the path of the key being read, for error messages."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, kind: Callable[[Any, str], T], default: Any = None, *, required: bool = False) -> T:
        self.used.add(name)
        if name not in self.data or self.data[name] is None:
            if required:
                raise ConfigError(f"{self.key(name)}: missing (required)")
            return default  # type: ignore[no-any-return]
        return kind(self.data[name], self.key(name))

    def section(self, name: str) -> _Reader:
        self.used.add(name)
        value = self.data.get(name) or {}
        if not isinstance(value, Mapping):
            raise ConfigError(f"{self.key(name)}: must be a mapping of keys")
        return _Reader(value, self.key(name))

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ConfigError(f"{self.key(unknown[0])}: unknown key (allowed: {', '.join(sorted(self.used))})")


def _str(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: must be a non-empty string")
    return value.strip()


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{key}: must be a whole number ≥ 0, got {value!r}")
    return value


def _float(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{key}: must be a number ≥ 0, got {value!r}")
    return float(value)


def _duration(value: Any, key: str) -> int:
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _size(value: Any, key: str) -> int:
    match = re.match(r"^(\d+)\s*(KB|MB|GB)?$", str(value).strip(), re.I)
    if not match:
        raise ConfigError(f"{key}: must be a size like 20MB, got {value!r}")
    return int(match.group(1)) * {None: 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[match.group(2) and match.group(2).upper()]


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{key}: must be a list of strings")
    return tuple(v.strip() for v in value)


def _urls(value: Any, key: str) -> tuple[str, ...]:
    urls = _strings(value, key)
    for index, url in enumerate(urls):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{key}[{index}]: {url!r} is not an http(s) URL")
    return urls


def _timezone(value: Any, key: str) -> str:
    text = _str(value, key)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{key}: {text!r} is not a known time zone (e.g. Asia/Shanghai)") from None
    return text


def _ident(value: Any, key: str) -> str:
    text = _str(value, key)
    if not _ID.match(text):
        raise ConfigError(f"{key}: {text!r} is not a valid id (lower-case letters, digits, - and _)")
    return text


def _month_day(value: Any, key: str) -> str:
    text = str(value).strip()
    if not _MONTH_DAY.match(text):
        raise ConfigError(f"{key}: {text!r} must be a month and day like 01-31")
    return text


def _clock(value: Any, key: str) -> str:
    text = str(value).strip()
    if not _CLOCK.match(text):
        raise ConfigError(f"{key}: {text!r} must be a time like 08:30")
    return text


def _items(value: Any, key: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ConfigError(f"{key}: must be a list of mappings")
    return value


def _no_items() -> list[Mapping[str, Any]]:
    return []


#: What ``portals[].preset`` accepts (crawler/presets holds them; the floor does not import the crawler).
PRESET_NAMES = ("auto", "trs", "hanweb", "gkmlpt", "ucap", "generic")
SELECTOR_NAMES = ("list_item", "list_title", "list_date", "next_page", "script_records", "content", "attachments")


def _preset(value: Any, key: str) -> str:
    text = _str(value, key).strip().lower()
    if text not in PRESET_NAMES:
        raise ConfigError(f"{key}: unknown portal system {text!r} (allowed: {', '.join(PRESET_NAMES)})")
    return text


def _portal(reader: _Reader) -> Portal:
    start_urls = reader.get("start_urls", _urls, required=True)
    domains = reader.get("allowed_domains", _strings, ())
    if not domains:
        domains = tuple(sorted({urlsplit(u).hostname or "" for u in start_urls}))
    for index, url in enumerate(start_urls):
        host = urlsplit(url).hostname or ""
        if not any(host == d or host.endswith("." + d) for d in domains):
            raise ConfigError(f"{reader.key('start_urls')}[{index}]: host {host!r} is not in allowed_domains {list(domains)}")
    concurrency = reader.get("concurrency", _int, 2)
    if not 1 <= concurrency <= 2:
        raise ConfigError(f"{reader.key('concurrency')}: at most 2 concurrent requests per portal (got {concurrency})")
    selectors = reader.section("selectors")
    selector_map = {k: _str(v, selectors.key(k)) for k, v in selectors.data.items()}
    for name in selector_map:
        if name not in SELECTOR_NAMES:
            raise ConfigError(f"{selectors.key(name)}: unknown selector (allowed: {', '.join(SELECTOR_NAMES)})")
    portal = Portal(
        id=reader.get("id", _ident, required=True),
        name=reader.get("name", _str, required=True),
        start_urls=start_urls,
        allowed_domains=domains,
        contact=reader.get("contact", _str, required=True),
        poll_interval=reader.get("poll_interval", _duration, 6 * 3600),
        max_pages=reader.get("max_pages", _int, 50),
        concurrency=concurrency,
        download_delay=reader.get("download_delay", _float, 1.0),
        timeout=reader.get("timeout", _duration, 30),
        max_bytes=reader.get("max_bytes", _size, 20 * 1024 * 1024),
        time_limit=reader.get("time_limit", _duration, 900),
        selectors=selector_map,
        preset=reader.get("preset", _preset, "auto"),
    )
    reader.done()
    return portal


def _body(reader: _Reader, portals: set[str]) -> Body:
    body_type = reader.get("type", _str, required=True)
    if body_type not in BODY_TYPES:
        raise ConfigError(f"{reader.key('type')}: {body_type!r} is not a body type (allowed: {', '.join(BODY_TYPES)})")
    portal = reader.get("portal", _str, None)
    if portal is not None and portal not in portals:
        known = ", ".join(sorted(portals)) or "none configured"
        raise ConfigError(f"{reader.key('portal')}: {portal!r} is not a portal id (known: {known})")
    column = reader.get("column", _urls, ())
    body = Body(
        id=reader.get("id", _ident, required=True),
        name=reader.get("name", _str, required=True),
        type=body_type,
        portal=portal,
        aliases=reader.get("aliases", _strings, ()),
        column=column[0] if column else None,
        deadline=reader.get("deadline", _month_day, None),
        notify=reader.get("notify", _strings, ()),
    )
    reader.done()
    return body


def parse_config(data: Any, source: str = "nianbao.yaml") -> Config:
    """Validate a configuration tree (as loaded from YAML)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the file must hold a mapping of sections (county, portals, bodies, …)")
    root = _Reader(data, "")
    county = root.section("county")
    name = county.get("name", _str, required=True)
    timezone = county.get("timezone", _timezone, "Asia/Shanghai")
    county_notify = county.get("notify", _strings, ("county",))
    dashboard_url = county.get("dashboard_url", _str, None)
    county.done()

    deadlines_reader = root.section("deadlines")
    deadlines = {"department": "01-31", "town": "01-31", "county": "03-31"}
    for key in list(deadlines_reader.data):
        if key not in BODY_TYPES:
            raise ConfigError(f"deadlines.{key}: unknown body type (allowed: {', '.join(BODY_TYPES)})")
        deadlines[key] = deadlines_reader.get(key, _month_day, deadlines[key])
    reminders = root.section("reminders")
    reminder_days = tuple(
        reminders.get("days_before", lambda v, k: tuple(_int(x, k) for x in (v if isinstance(v, list) else [v])), (7, 3, 1))
    )
    reminders.done()
    storage = root.section("storage")
    database = storage.get("database", _str, None)
    blobs = storage.get("blobs", _str, "var/blobs")
    digests = storage.get("digests", _str, "var/digests")
    storage.done()

    portals = tuple(_portal(_Reader(item, f"portals[{i}]")) for i, item in enumerate(root.get("portals", _items, _no_items())))
    _unique([p.id for p in portals], "portals")
    portal_ids = {p.id for p in portals}
    bodies = tuple(
        _body(_Reader(item, f"bodies[{i}]"), portal_ids) for i, item in enumerate(root.get("bodies", _items, _no_items()))
    )
    _unique([b.id for b in bodies], "bodies")

    notifications = _notifications(root.section("notifications"))
    tags = {t.tag for t in notifications.targets}
    for index, body in enumerate(bodies):
        for tag in body.notify:
            if notifications.targets and tag not in tags and notifications.apprise_config is None:
                raise ConfigError(
                    f"bodies[{index}].notify: tag {tag!r} has no target in notifications.targets "
                    f"(known: {', '.join(sorted(tags))})"
                )
    schedule = _schedule(root.section("schedule"))
    dashboard = _dashboard(root.section("dashboard"), counties=None)
    tasks = _tasks(root.section("tasks"), database)
    root.done()
    return Config(
        county_name=name,
        timezone=timezone,
        county_notify=county_notify,
        dashboard_url=dashboard_url,
        deadlines=deadlines,
        reminder_days=reminder_days,
        database=database,
        blobs=blobs,
        digests=digests,
        portals=portals,
        bodies=bodies,
        notifications=notifications,
        schedule=schedule,
        dashboard=dashboard,
        tasks=tasks,
    )


def _tasks(reader: _Reader, database: str | None) -> Tasks:
    engine = reader.get("engine", _str, "inprocess")
    if engine not in TASK_ENGINES:
        raise ConfigError(f"{reader.key('engine')}: {engine!r} is not a task engine (allowed: {', '.join(TASK_ENGINES)})")
    if engine == "procrastinate" and database is not None and not database.startswith("postgresql"):
        raise ConfigError(
            f"{reader.key('engine')}: procrastinate queues its tasks in PostgreSQL; storage.database must be a "
            "postgresql+psycopg:// URL (SQLite runs the tasks in the service itself: engine: inprocess)"
        )
    reader.done()
    return Tasks(engine=engine)


def _unique(ids: list[str], key: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(ids):
        if value in seen:
            raise ConfigError(f"{key}[{index}].id: {value!r} is used twice")
        seen.add(value)


def _notifications(reader: _Reader) -> Notifications:
    targets = []
    for index, item in enumerate(reader.get("targets", _items, _no_items())):
        target = _Reader(item, f"{reader.key('targets')}[{index}]")
        url = target.get("url", _str, required=True)
        secrets = inline_secrets(url)
        if secrets:
            scheme = url.partition("://")[0].lower() or "?"
            raise ConfigError(
                f"{target.key('url')}: holds a password or token — 通知地址（{scheme}://）中直接写入了密钥"
                f"（{'、'.join(secrets)}）；请改写为 ${{环境变量名}}，并在 nianbao.env 中设置该变量"
            )
        targets.append(Target(tag=target.get("tag", _str, required=True), url=url))
        target.done()
    quiet = reader.get("quiet_hours", _str, None)
    quiet_hours = None
    if quiet is not None:
        parts = [p.strip() for p in quiet.split("-")]
        if len(parts) != 2 or not all(_CLOCK.match(p) for p in parts):
            raise ConfigError(f"{reader.key('quiet_hours')}: {quiet!r} must look like 22:00-07:00")
        quiet_hours = (parts[0], parts[1])
    result = Notifications(
        targets=tuple(targets),
        apprise_config=reader.get("apprise_config", _str, None),
        repeat_days=reader.get("repeat_days", _int, 7),
        escalate_days=reader.get("escalate_days", _int, 14),
        quiet_hours=quiet_hours,
        max_attempts=reader.get("max_attempts", _int, 8),
        retry_base_seconds=reader.get("retry_base_seconds", _int, 60),
        county_summary=reader.get("county_summary", _bool, True),
        slow_retry_interval=reader.get("slow_retry_interval", _duration, 6 * 3600),
    )
    reader.done()
    return result


def _schedule(reader: _Reader) -> Schedule:
    digest = reader.section("digest")
    day = digest.get("day", _str, "mon").lower()
    if day not in _DAYS:
        raise ConfigError(f"{digest.key('day')}: {day!r} is not a weekday (allowed: {', '.join(_DAYS)})")
    digest_time = digest.get("time", _clock, "08:30")
    digest.done()
    result = Schedule(
        process_interval=reader.get("process_interval", _duration, 300),
        dispatch_interval=reader.get("dispatch_interval", _duration, 60),
        deadline_sweep=reader.get("deadline_sweep", _clock, "08:00"),
        digest_day=day,
        digest_time=digest_time,
    )
    reader.done()
    return result


_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_USER_NAME = re.compile(r"^[^\s:/]{1,64}$")
# The form written by monitor.dashboard.passwords: scrypt$<n>$<r>$<p>$<salt>$<hash> (base64).
_PASSWORD_HASH = re.compile(r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$")


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: must be true or false, got {value!r}")
    return value


def _dashboard(reader: _Reader, counties: set[str] | None) -> Dashboard:
    """The ``dashboard`` section; ``counties`` are a deployment's county ids (None: a single county's file, whose
    users may not name a county)."""
    host = reader.get("host", _str, "127.0.0.1")
    port = reader.get("port", _int, 8080)
    if not 0 <= port <= 65535:  # 0: any free port (tests, demos)
        raise ConfigError(f"{reader.key('port')}: must be a TCP port between 1 and 65535 (0: any free port), got {port}")
    session_hours = reader.get("session_hours", _int, 12)
    if not 1 <= session_hours <= 24 * 31:
        raise ConfigError(f"{reader.key('session_hours')}: must be between 1 and 744 hours, got {session_hours}")
    secret_env = reader.get("secret_env", _str, "NIANBAO_SECRET")
    if not _ENV_NAME.match(secret_env):
        raise ConfigError(f"{reader.key('secret_env')}: {secret_env!r} is not an environment variable name (e.g. NIANBAO_SECRET)")
    users: list[DashboardUser] = []
    for index, item in enumerate(reader.get("users", _items, _no_items())):
        user = _Reader(item, f"{reader.key('users')}[{index}]")
        name = user.get("name", _str, required=True)
        if not _USER_NAME.match(name):
            raise ConfigError(f"{user.key('name')}: {name!r} must be 1–64 characters without spaces, ':' or '/'")
        if any(u.name == name for u in users):
            raise ConfigError(f"{user.key('name')}: {name!r} is used twice")
        password_hash = user.get("password_hash", _str, required=True)
        if not _PASSWORD_HASH.match(password_hash):
            raise ConfigError(
                f"{user.key('password_hash')}: not a password hash; run `nianbao dashboard hash-password` "
                "and paste what it prints (scrypt$…), never the password itself"
            )
        county = user.get("county", _str, None)
        if county is not None and counties is None:
            raise ConfigError(f"{user.key('county')}: only a deployment of several counties (counties:) has county users")
        if county is not None and counties is not None and county not in counties:
            raise ConfigError(f"{user.key('county')}: {county!r} is not a county id (known: {', '.join(sorted(counties))})")
        users.append(DashboardUser(name, password_hash, county))
        user.done()
    result = Dashboard(
        enabled=reader.get("enabled", _bool, True),
        host=host,
        port=port,
        session_hours=session_hours,
        secret_env=secret_env,
        secure_cookie=reader.get("secure_cookie", _bool, False),
        behind_proxy=reader.get("behind_proxy", _bool, False),
        users=tuple(users),
    )
    reader.done()
    return result


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', exc)})") from None


def load_config(path: str | Path) -> Config:
    """Read and validate a configuration file; :class:`ConfigError` names the file and the key."""
    path = Path(path)
    data = _read_yaml(path)
    if isinstance(data, Mapping) and "counties" in data:
        raise ConfigError(
            f"{path}: is the configuration of a deployment of several counties (counties:); "
            "name one with --county, or use a county's own file"
        )
    try:
        return parse_config(data, str(path))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class CountyFile:
    """One county of a deployment: its id (unique in the deployment) and its own configuration file."""

    id: str
    config_file: str  # absolute


@dataclass(frozen=True)
class DeploymentConfig:
    """A deployment serving several counties (a city's or province's office, an evaluation team): one database,
    one dashboard with county and supervisor users, one task engine; each county keeps its own configuration file
    (portals, bodies, deadlines, notifications, schedule) in the single-county format."""

    name: str
    counties: tuple[CountyFile, ...]
    database: str | None = None
    timezone: str = "Asia/Shanghai"
    dashboard: Dashboard = field(default_factory=Dashboard)
    tasks: Tasks = field(default_factory=Tasks)

    def county(self, county_id: str) -> CountyFile:
        """The county with this id; :class:`ConfigError` names the known ones."""
        for county in self.counties:
            if county.id == county_id:
                return county
        raise ConfigError(f"{county_id!r} is not a county of this deployment (known: {', '.join(c.id for c in self.counties)})")


def load_any(path: str | Path) -> Config | DeploymentConfig:
    """Read and validate a county's configuration file, or a deployment's (a file with ``counties:``)."""
    path = Path(path)
    data = _read_yaml(path)
    try:
        if isinstance(data, Mapping) and "counties" in data:
            return parse_deployment(data, path.resolve().parent, str(path))
        return parse_config(data, str(path))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse_deployment(data: Any, base: Path, source: str = "nianbao.yaml") -> DeploymentConfig:
    """Validate a deployment's configuration tree; county files are relative to ``base``."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the file must hold a mapping of sections (deployment, counties, …)")
    root = _Reader(data, "")
    head = root.section("deployment")
    name = head.get("name", _str, required=True)
    timezone = head.get("timezone", _timezone, "Asia/Shanghai")
    head.done()
    storage = root.section("storage")
    database = storage.get("database", _str, None)  # no digests: each county writes its own
    storage.done()
    counties: list[CountyFile] = []
    items = root.get("counties", _items, required=True)
    if not items:
        raise ConfigError("counties: list at least one county (id and config)")
    for index, item in enumerate(items):
        reader = _Reader(item, f"counties[{index}]")
        county_id = reader.get("id", _ident, required=True)
        file = Path(reader.get("config", _str, required=True))
        counties.append(CountyFile(county_id, str(file if file.is_absolute() else (base / file).resolve())))
        reader.done()
    _unique([c.id for c in counties], "counties")
    dashboard = _dashboard(root.section("dashboard"), counties={c.id for c in counties})
    tasks = _tasks(root.section("tasks"), database)
    root.done()
    return DeploymentConfig(name, tuple(counties), database, timezone, dashboard, tasks)


def load_county(deployment_file: str | Path, deployment: DeploymentConfig, county_id: str) -> Config:
    """The configuration of one county of a deployment (its own file, which must not name a database)."""
    entry = deployment.county(county_id)
    config = load_config(entry.config_file)
    if config.database is not None:
        raise ConfigError(
            f"{entry.config_file}: storage.database: a county of a deployment is stored in the deployment's "
            f"database ({deployment_file}); remove this key"
        )
    return config


def load_deployment(path: str | Path) -> DeploymentConfig:
    """Read and validate a deployment's configuration file; :class:`ConfigError` names the file and the key."""
    path = Path(path)
    data = _read_yaml(path)
    try:
        return parse_deployment(data, path.resolve().parent, str(path))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
