"""Transports: how a rendered message leaves nianbao. The only module that imports apprise.

Two transports, chosen by :func:`build_transport`:

- ``apprise``: the configured targets (``notifications.targets``: a tag and an apprise URL whose secrets are
  ``${ENV}`` references, expanded from the environment at send time) and/or an apprise configuration file
  (``notifications.apprise_config``, with apprise's own templating). Each target is sent to on its own, so a
  retry after a partial failure skips the targets that already accepted the message.
- ``file``: when no target is configured at all, messages are appended to ``var/notifications/outbox.log``
  (beside the digests folder, each under a header with the county's local time) so that a demo shows what would
  be sent. Nothing is dropped silently.

Each message carries a stable id (``Message.notice_id``, the same on every retry of an outbox row) so that a
receiver can drop a repeat (a re-send after a crash): e-mail gets it as its ``Message-ID`` (and an
``X-Nianbao-Notice`` header), webhooks (apprise ``json://``, ``form://``, ``xml://`` and other services with
custom headers) as an ``Idempotency-Key`` header and, where the service takes extra payload fields, a ``notice_id``
field; chat robots (DingTalk, WeCom, Feishu), which know no idempotency, and the file sink get a footer line
``通知编号：…``. A transport calls ``before(target)`` just before a request to a target leaves and
``after(target)`` when the target accepted it, so the dispatcher can record both.

Errors are :class:`TransportError` with ``permanent``: a missing variable, an invalid URL or a tag without
targets will not heal by retrying; a refused connection or a failed HTTP post might.

An HTML message keeps its own text: the plain-text part apprise adds beside the HTML (the e-mail's
``text/plain`` alternative, and the text of other services that take both) is the message's ``text``, written
by our templates one field per line, never apprise's conversion of the HTML (which runs labels into values).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import apprise
from apprise.conversion import format as apprise_format
from apprise.plugins.email import NotifyEmail

from monitor.clock import local_time
from monitor.config import Config, Target

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SEND_TIMEOUT = 60.0  # seconds for one target (apprise's own socket timeouts are shorter)

#: The header carrying a notice's stable id (e-mail and webhooks); webhooks also get it as ``Idempotency-Key``.
NOTICE_HEADER = "X-Nianbao-Notice"
IDEMPOTENCY_HEADER = "Idempotency-Key"
NOTICE_FIELD = "notice_id"

#: Called with a target id: just before a request to it leaves (``before``), when it accepted one (``after``).
TargetHook = Callable[[str], None]


class TransportError(Exception):
    """A send failed. ``permanent``: retrying cannot help; ``delivered``: target ids that accepted it anyway."""

    def __init__(self, message: str, *, permanent: bool = False, delivered: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.delivered = tuple(delivered)


@dataclass(frozen=True)
class Message:
    """A rendered notification: a title, a plain-text body and, for e-mail, an HTML body."""

    title: str
    text: str
    html: str | None = None
    notice_id: str | None = None  # the same on every retry of one outbox row: receivers drop repeats by it
    repeat: bool = False  # it may have reached a target already (a send interrupted by a crash)

    def with_footer(self) -> Message:
        """The message with its id as a last line, for services that cannot carry it in a header."""
        if self.notice_id is None:
            return self
        line = f"通知编号：{self.notice_id}"
        if self.repeat:
            line += "（系统中断后重发：如已收到相同编号的通知，请忽略本条）"
        html = f'{self.html}\n<p style="color:#888;font-size:12px">{line}</p>' if self.html is not None else None
        return replace(self, text=f"{self.text.rstrip()}\n\n{line}\n", html=html)


class Transport(Protocol):
    """Something that delivers a message to the targets of some tags."""

    name: str

    def send(
        self,
        tags: Sequence[str],
        message: Message,
        *,
        skip: Collection[str] = (),
        before: TargetHook | None = None,
        after: TargetHook | None = None,
    ) -> list[str]:
        """Deliver to every target of ``tags`` except the ids in ``skip``; return the ids delivered now.

        ``before(target)`` is called just before a request to a target leaves (an exception there stops the send
        and propagates), ``after(target)`` when the target accepted it. Raises :class:`TransportError` when a
        target fails (its ``delivered`` lists the ids that succeeded).
        """
        ...


class _TextParts:
    """The text each HTML body being sent stands for, consulted by apprise when it wants an HTML body as text.

    apprise derives the text part from the HTML through its converter table; the converter installed here answers
    with our own text for the bodies we are sending (keyed by the HTML itself, so parallel sends of apprise's thread
    pool find theirs) and leaves any other HTML to apprise's converter.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._texts: dict[str, tuple[str, int]] = {}
        key = (apprise.NotifyFormat.HTML, apprise.NotifyFormat.TEXT)
        previous: Any = apprise_format.CONVERTERS[key]
        # When this module is loaded again (a reload), keep apprise's own converter, not our previous one.
        self._fallback: Any = getattr(getattr(previous, "__self__", None), "_fallback", previous)
        apprise_format.CONVERTERS[key] = self.convert

    def convert(self, html: str) -> str:
        """Our text for ``html`` while it is being sent, else apprise's conversion."""
        with self._lock:
            found = self._texts.get(html.strip())  # apprise trims the body before a plugin sees it
        return found[0] if found is not None else str(self._fallback(html))

    def hold(self, html: str, text: str) -> None:
        """``text`` stands for ``html`` until :meth:`release`."""
        key = html.strip()
        with self._lock:
            _, count = self._texts.get(key, (text, 0))
            self._texts[key] = (text, count + 1)

    def release(self, html: str) -> None:
        """The send of ``html`` is over."""
        key = html.strip()
        with self._lock:
            text, count = self._texts.pop(key, ("", 1))
            if count > 1:
                self._texts[key] = (text, count - 1)


_TEXT_PARTS = _TextParts()

_MESSAGE_ID = re.compile(r"^Message-ID: <[^>]*@([^>]*)>$", re.M | re.I)


def pin_message_id(mail: str, notice_id: str) -> str:
    """The serialized e-mail with its ``Message-ID`` made from ``notice_id`` (the domain apprise chose is kept)."""
    head, separator, rest = mail.partition("\n\n")
    head = _MESSAGE_ID.sub(lambda m: f"Message-ID: <{notice_id}@{m.group(1)}>", head, count=1)
    return head + separator + rest


def _install_message_ids() -> None:
    """Make apprise's e-mails carry the notice's ``Message-ID``.

    apprise sets a random ``Message-ID`` after the custom headers (a ``+Message-ID`` header would be a second one),
    so its message builder is wrapped: an e-mail whose headers carry :data:`NOTICE_HEADER` gets its Message-ID
    from it. Nothing else is changed; e-mails without the header are apprise's own.
    """
    current: Any = NotifyEmail.prepare_emails
    original: Any = getattr(current, "_nianbao_original", current)  # a module reload wraps apprise's, not ours

    def prepare_emails(*args: Any, **kwargs: Any) -> Iterator[Any]:
        notice = (kwargs.get("headers") or {}).get(NOTICE_HEADER)
        for mail in original(*args, **kwargs):
            if notice:
                mail.body = pin_message_id(mail.body, str(notice))
            yield mail

    prepare_emails._nianbao_original = original  # type: ignore[attr-defined]
    NotifyEmail.prepare_emails = staticmethod(prepare_emails)  # type: ignore[method-assign]


_install_message_ids()


def _stamp(plugin: Any, message: Message) -> Message:
    """Give ``plugin`` the notice id where its service can carry it; the message to send it (with a footer when the
    service has no place for the id but the text)."""
    if message.notice_id is None:
        return message
    headers = getattr(plugin, "headers", None)
    if not isinstance(headers, dict):  # chat robots and the like: only the text can carry it
        return message.with_footer()
    headers[NOTICE_HEADER] = message.notice_id
    if not isinstance(plugin, NotifyEmail):
        headers[IDEMPOTENCY_HEADER] = message.notice_id
        extras = getattr(plugin, "payload_extras", None)
        if isinstance(extras, dict):
            extras[NOTICE_FIELD] = message.notice_id
    return message


def validate_url(url: str) -> bool:
    """True when apprise's own parser accepts ``url`` (a concrete URL, ``${ENV}`` already expanded)."""
    return apprise.Apprise.instantiate(url) is not None


def expand(url: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """``url`` with its ``${NAME}`` references replaced from ``environ``, and the secret values used.

    A missing or empty variable is a permanent :class:`TransportError` naming the variable, never a value.
    """
    secrets: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = environ.get(name, "")
        if not value:
            raise TransportError(f"环境变量 {name} 未设置：请为服务设置该变量后重新发送", permanent=True)
        secrets.append(value)
        return value

    return _VARIABLE.sub(replace, url), secrets


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def _target_id(prefix: str, text: str) -> str:
    return f"{prefix}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


@dataclass
class _Server:
    id: str
    label: str
    plugin: Any
    secrets: list[str]


class AppriseTransport:
    """Sends through apprise to the configured targets and/or an apprise configuration file."""

    name = "apprise"

    def __init__(
        self,
        targets: Sequence[Target] = (),
        *,
        config_file: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.targets = tuple(targets)
        self.config_file = Path(config_file) if config_file is not None else None
        self.environ = environ

    def _servers(self, tags: Sequence[str]) -> list[_Server]:
        environ = os.environ if self.environ is None else self.environ
        servers: list[_Server] = []
        for target in self.targets:
            if target.tag not in tags:
                continue
            try:
                url, secrets = expand(target.url, environ)
            except TransportError as exc:
                raise TransportError(f"通知目标 {target.tag}：{exc.message}", permanent=True) from None
            plugin = apprise.Apprise.instantiate(url, tag=target.tag)
            if plugin is None:
                scheme = target.url.split("://", 1)[0]
                raise TransportError(f"通知目标 {target.tag} 的地址无法识别（{scheme}://…），请检查 URL 格式", permanent=True)
            servers.append(_Server(_target_id(target.tag, target.url), target.tag, plugin, secrets))
        if self.config_file is not None:
            if not self.config_file.is_file():
                raise TransportError(f"apprise 配置文件 {self.config_file} 不存在或无法读取", permanent=True)
            loaded = apprise.AppriseConfig()
            loaded.add(str(self.config_file))
            bundle = apprise.Apprise()
            bundle.add(loaded)
            found: list[Any] = list(bundle.find(tag=list(tags)))
            for plugin in found:
                servers.append(
                    _Server(_target_id("file", plugin.url()), ",".join(sorted(str(t) for t in plugin.tags)) or "file", plugin, [])
                )
        return servers

    def send(
        self,
        tags: Sequence[str],
        message: Message,
        *,
        skip: Collection[str] = (),
        before: TargetHook | None = None,
        after: TargetHook | None = None,
    ) -> list[str]:
        """Deliver to each target of ``tags`` in turn (HTML where the service's format is HTML, else text)."""
        servers = self._servers(tags)
        if not servers:
            raise TransportError(f"没有与标签 {', '.join(tags) or '（空）'} 对应的通知目标", permanent=True)
        delivered: list[str] = []
        errors: list[str] = []
        for server in servers:
            if server.id in skip:
                continue
            sending = _stamp(server.plugin, message)
            use_html = sending.html is not None and server.plugin.resolve_format() == apprise.NotifyFormat.HTML
            bundle = apprise.Apprise()
            bundle.add(server.plugin)
            if before is not None:
                before(server.id)
            if use_html and sending.html is not None:
                _TEXT_PARTS.hold(sending.html, sending.text)
                try:
                    result = bundle.notify(
                        body=sending.html, title=sending.title, body_format=apprise.NotifyFormat.HTML, timeout=_SEND_TIMEOUT
                    )
                finally:
                    _TEXT_PARTS.release(sending.html)
            else:
                result = bundle.notify(
                    body=sending.text, title=sending.title, body_format=apprise.NotifyFormat.TEXT, timeout=_SEND_TIMEOUT
                )
            if result:
                delivered.append(server.id)
                if after is not None:
                    after(server.id)
                continue
            logs = "; ".join(entry.message for entry in result.logs()) or f"状态 {result.status.name}"
            errors.append(f"{server.label}（{server.plugin.service_name}）：{_scrub(logs, server.secrets)}")
        if errors:
            raise TransportError(" | ".join(errors), permanent=False, delivered=delivered)
        return delivered


class FileTransport:
    """Appends each message to a local file: the explicit sink when no notification target is configured."""

    name = "file"

    def __init__(self, path: str | Path, timezone: str = "UTC") -> None:
        self.path = Path(path)
        self.timezone = timezone

    def send(
        self,
        tags: Sequence[str],
        message: Message,
        *,
        skip: Collection[str] = (),
        before: TargetHook | None = None,
        after: TargetHook | None = None,
    ) -> list[str]:
        """Append the message under a header naming the tags it was meant for (its id as the last line)."""
        target = _target_id("file", str(self.path))
        if target in skip:
            return []
        message = message.with_footer()
        if before is not None:
            before(target)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as stream:
                stamp = local_time(datetime.now(UTC), self.timezone, "%Y-%m-%d %H:%M:%S")
                body = message.text if message.text.startswith(message.title) else f"{message.title}\n\n{message.text}"
                stream.write(f"===== {stamp} 发往：{', '.join(tags)} =====\n{body.rstrip()}\n\n")
        except OSError as exc:
            raise TransportError(f"无法写入 {self.path}：{exc.strerror or exc}") from None
        if after is not None:
            after(target)
        return [target]


def sink_path(config: Config, base: Path | None = None) -> Path:
    """Where the file transport writes: ``notifications/outbox.log`` beside the digests folder (var/)."""
    digests = Path(config.digests)
    if not digests.is_absolute() and base is not None:
        digests = base / digests
    return digests.parent / "notifications" / "outbox.log"


def build_transport(config: Config, *, base: Path | None = None, environ: Mapping[str, str] | None = None) -> Transport:
    """The transport for ``config``: apprise when any target or apprise file is configured, else the file sink.

    ``base`` is the folder relative paths (the apprise file, the digests folder) are taken from.
    """
    notifications = config.notifications
    if notifications.targets or notifications.apprise_config:
        config_file: Path | None = None
        if notifications.apprise_config:
            config_file = Path(notifications.apprise_config)
            if not config_file.is_absolute() and base is not None:
                config_file = base / config_file
        return AppriseTransport(notifications.targets, config_file=config_file, environ=environ)
    return FileTransport(sink_path(config, base), config.timezone)


def target_problems(config: Config, environ: Mapping[str, str] | None = None) -> list[str]:
    """What would stop a configured target from working (missing variables, URLs apprise rejects); no secrets."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    for index, target in enumerate(config.notifications.targets):
        try:
            url, _secrets = expand(target.url, environ)
        except TransportError as exc:
            problems.append(f"notifications.targets[{index}]（{target.tag}）：{exc.message}")
            continue
        if not validate_url(url):
            problems.append(f"notifications.targets[{index}]（{target.tag}）：apprise 无法识别该地址")
    return problems
