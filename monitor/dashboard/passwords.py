"""Password hashes of the dashboard's accounts: scrypt from the standard library, parameters kept in the hash.

Format: ``scrypt$<n>$<r>$<p>$<salt base64>$<key base64>``. n = 2**15, r = 8, p = 1 costs 32 MiB and
~0.1 s per check (Django's scrypt hasher uses 2**14); stronger parameters in a stored hash are honoured.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**15, 8, 1
_KEY_BYTES = 32
_MAX_MEMORY = 512 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    """A new salted scrypt hash of ``password`` in the stored format."""
    if not password:
        raise ValueError("the password is empty")
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAX_MEMORY, dklen=_KEY_BYTES)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key, validate=True)
        computed = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAX_MEMORY,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, expected)


#: Checked against when the user name is unknown, so that a wrong name takes as long as a wrong password.
DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
