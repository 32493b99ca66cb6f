"""The server handle (waitress in a thread) and the password helpers behind `nianbao dashboard hash-password`."""

from __future__ import annotations

import io
import socket
import urllib.request
from typing import TextIO

from monitor.config import parse_config
from monitor.dashboard import start_server
from monitor.dashboard.cli import hash_password_command
from monitor.dashboard.passwords import DUMMY_HASH, hash_password, verify_password
from tests.dashboard.demo_data import Demo


def test_start_serves_and_stop_frees_the_port(demo: Demo) -> None:
    handle = start_server(demo.app, "127.0.0.1", 0)
    with urllib.request.urlopen(handle.url + "healthz", timeout=10) as response:
        assert response.status == 200 and response.read() == b'{"status":"ok"}\n'
    handle.stop()
    assert not handle._thread.is_alive()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", handle.port)) != 0  # nothing listens any more
    handle.stop()  # stopping twice is harmless


def test_hashes_verify_and_carry_their_parameters() -> None:
    stored = hash_password("正确的马电池钉", n=2**12)
    assert stored.startswith("scrypt$4096$8$1$")
    assert verify_password("正确的马电池钉", stored)
    assert not verify_password("正确的马电池钉 ", stored)
    assert hash_password("正确的马电池钉", n=2**12) != stored  # salted
    for broken in ("", "scrypt$x$8$1$AA==$AA==", "bcrypt$…", stored[:-6], DUMMY_HASH):
        assert not verify_password("正确的马电池钉", broken)


def _reader(*answers: str) -> object:
    given = iter(answers)

    def read(prompt: str, err: TextIO) -> str:
        return next(given)

    return read


def test_hash_password_command_prints_a_hash_the_configuration_accepts() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert hash_password_command(out, err, read=_reader("a long enough password")) == 0  # type: ignore[arg-type]
    stored = out.getvalue().strip()
    assert verify_password("a long enough password", stored)
    assert "dashboard.users" in err.getvalue()
    config = parse_config({"county": {"name": "某县"}, "dashboard": {"users": [{"name": "zhangsan", "password_hash": stored}]}})
    assert config.dashboard.users[0].password_hash == stored


def test_hash_password_command_refuses_a_short_password() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert hash_password_command(out, err, read=_reader("short")) == 2  # type: ignore[arg-type]
    assert out.getvalue() == "" and "至少需要" in err.getvalue()
