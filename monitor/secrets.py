"""Secrets written into a notification URL: which parts of an apprise URL are passwords, tokens or keys.

``nianbao.yaml`` holds no secret: a notification URL refers to one as ``${NAME}``, expanded from the environment
at send time (:func:`notifications.transports.expand`). :func:`inline_secrets` names the parts of a URL that hold
a secret written out instead. It knows the secret fields of each apprise scheme the county offices use (apprise
2.x templates, e.g. ``dingtalk://{secret}@{token}/``, ``tgram://{bot_token}/{chat_id}``) and, for every scheme,
a password in ``user:pass@``, secret query arguments (``?token=``, ``?key=`` …), secret ``+Header=value``
arguments (``json://``, ``xml://``, ``form://``) and token-shaped segments of the path.

A part holds a secret written out when it is not empty and has no ``${NAME}`` reference in it
(``+Authorization=Bearer ${TOKEN}`` is fine).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")

#: Where each scheme keeps its secrets: (field, place); place is "user" (before ``@``), "host" (the rest of the
#: authority: apprise puts the token there) or "path:N" (the N-th path segment, -1 the last).
SCHEME_SECRETS: dict[str, tuple[tuple[str, str], ...]] = {
    "dingtalk": (("token", "host"), ("secret", "user")),  # dingtalk://{secret}@{token}/{targets}
    "wecombot": (("key", "host"),),  # wecombot://{key}
    "feishu": (("token", "host"),),  # feishu://{token}
    "lark": (("token", "host"),),  # lark://{token}
    "tgram": (("bot_token", "host"),),  # tgram://{bot_token}/{chat_id}
    "slack": (("token_a", "host"), ("token_b", "path:0"), ("token_c", "path:1")),  # or slack://{access_token}/
    "discord": (("webhook_id", "host"), ("webhook_token", "path:0")),  # discord://{webhook_id}/{webhook_token}
    "pover": (("user_key", "user"), ("token", "host")),  # pover://{user_key}@{token}
    "pushplus": (("token", "host"),),
    "wecom": (("token", "host"),),  # pushplus's WeCom relay
    "schan": (("token", "host"),),  # Server酱
    "wxpusher": (("token", "host"),),
    "gotify": (("token", "path:-1"),),
    "gotifys": (("token", "path:-1"),),
}
#: Query arguments that hold a secret, whatever the scheme.
SECRET_ARGUMENTS = frozenset(
    {
        "token", "key", "secret", "password", "pass", "pwd", "passwd", "apikey", "api_key", "access_token",
        "bot_token", "webhook", "webhook_token", "user_key", "app_token", "appkey", "app_key", "sendkey", "auth",
        "sign", "signature", "client_secret",
    }
)  # fmt: skip
_SECRET_HEADER = re.compile(r"auth|token|key|secret|pass|cookie|session|sign|credential", re.I)
#: A path segment or header value that looks like a generated token: long, letters and digits mixed.
_TOKEN_SHAPE = re.compile(r"^(?=[^/]*\d)(?=[^/]*[A-Za-z])[A-Za-z0-9_\-=+~.:]{16,}$")


def _written_out(value: str) -> bool:
    value = unquote(value).strip()
    return bool(value) and not _REFERENCE.search(value)


def inline_secrets(url: str) -> list[str]:
    """The parts of apprise ``url`` that hold a secret written out, named as in apprise's templates (``token``,
    ``password``, ``?key=``, ``+Authorization`` …), in order; empty when every secret is a ``${NAME}`` reference."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        return []
    scheme = scheme.lower()
    body, _, query = rest.partition("?")
    authority, _, path = body.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at:
        userinfo, host = "", authority
    user, colon, password = userinfo.partition(":")
    segments = [s for s in path.split("/") if s]
    found: list[str] = []

    def add(name: str) -> None:
        if name not in found:
            found.append(name)

    places = SCHEME_SECRETS.get(scheme, ())
    if scheme == "slack" and unquote(host).startswith("xox"):  # slack://{access_token}/{targets}
        places = (("access_token", "host"),)
    flagged: set[int] = set()
    for name, place in places:
        if place in ("user", "host"):
            if _written_out(user if place == "user" else host):
                add(name)
        elif segments:
            index = int(place.removeprefix("path:"))
            if -len(segments) <= index < len(segments):
                flagged.add(index % len(segments))
                if _written_out(segments[index]) and not segments[index].startswith(("#", "@", "%23")):  # a target
                    add(name)
    if colon and _written_out(password):
        add("password")
    for index, segment in enumerate(segments):
        if index not in flagged and _TOKEN_SHAPE.match(unquote(segment)) and _written_out(segment):
            add("path")
    for argument in filter(None, query.split("&")):
        key, _, value = argument.partition("=")  # not parse_qsl: it reads the "+" of "+Header" as a space
        key, value = unquote(key), unquote(value)
        if key.startswith("+"):
            header = key[1:]
            if _written_out(value) and (_SECRET_HEADER.search(header) or _TOKEN_SHAPE.match(value.strip())):
                add(f"+{header}")
        elif key.lstrip("-:").lower() in SECRET_ARGUMENTS and _written_out(value):
            add(f"?{key.lstrip('-:')}=")
    return found
