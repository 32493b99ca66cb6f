"""``nianbao dashboard hash-password``: read a password without echo and print its hash for ``dashboard.users``."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from monitor.dashboard.passwords import hash_password

MIN_LENGTH = 10


def _read(prompt: str, err: TextIO) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt, stream=err)
    return sys.stdin.readline().rstrip("\r\n")  # piped: one line, nothing echoed


def hash_password_command(out: TextIO, err: TextIO, read: Callable[[str, TextIO], str] = _read) -> int:
    """Ask for a password twice (once when piped), print ``scrypt$…`` to ``out``; exit 0, or 2 on a bad password."""
    password = read("新密码：", err)
    if len(password) < MIN_LENGTH:
        err.write(f"nianbao: 密码至少需要 {MIN_LENGTH} 个字符\n")
        return 2
    if sys.stdin.isatty() and read("再输入一次：", err) != password:
        err.write("nianbao: 两次输入的密码不一致\n")
        return 2
    out.write(hash_password(password) + "\n")
    err.write("把上面一行填入 nianbao.yaml 的 dashboard.users[].password_hash。\n")
    return 0
