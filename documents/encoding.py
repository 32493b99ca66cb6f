"""Which text encoding a web page is in.

Chinese government portals declare their encoding badly: servers send ``ISO-8859-1`` by default, templates keep
``charset=utf-8`` after the content was saved as GBK, and many pages declare nothing. So every declaration is
checked against the bytes (a strict decode) and sniffing has the last word when a declaration does not fit.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# <meta charset="gbk"> and <meta http-equiv="Content-Type" content="text/html; charset=gb2312"> alike.
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_META_WINDOW = 4096

# GB18030 decodes every GB2312 and GBK byte sequence the same way, and pages labelled gb2312 routinely contain
# GBK-only characters (rare surnames, place names).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030"}
# A label of a Western single-byte encoding on a Chinese portal is a server default, not a statement about the
# page: latin-1 decodes any bytes at all, so a strict decode cannot expose it. A UTF-16/32 label without a byte
# order mark is wrong by definition (browsers read such pages as UTF-8 too).
_UNTRUSTED = {"latin-1", "iso8859-1", "cp1252", "ascii", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
_MULTI_BYTE = {"gb18030", "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949", "utf-16", "utf-32"}
# Labels browsers accept (WHATWG Encoding) that Python does not know.
_LABELS = {"x-gbk": "gbk", "x-euc-cn": "gb2312", "csgb2312": "gb2312", "gb_2312-80": "gb2312", "gb-2312": "gb2312"}


def _codec(label: str) -> str | None:
    """The Python codec name for an encoding label, or None when Python does not know the label."""
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(_LABELS.get(label, label)).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def _decodes(data: bytes, codec: str) -> str | None:
    """The text if the bytes decode strictly with the codec, else None."""
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _declared(data: bytes, content_type: str | None) -> list[str]:
    """Encodings the HTTP header and the page's meta tags declare, in order of authority."""
    labels: list[str] = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            labels.append(match.group(1))
    match_meta = _META_CHARSET.search(data[:_META_WINDOW])
    if match_meta:
        labels.append(match_meta.group(1).decode("ascii"))
    codecs_found: list[str] = []
    for label in labels:
        codec = _codec(label)
        if codec is not None and codec not in _UNTRUSTED and codec not in codecs_found:
            codecs_found.append(codec)
    return codecs_found


def _sniff(data: bytes, declared: list[str]) -> str:
    """The encoding of bytes that are neither UTF-8 nor in a declared encoding: charset-normalizer, else GB18030.

    Only multi-byte answers of charset-normalizer count: a single-byte code page decodes any bytes at all, and on a
    Chinese portal it is never right. A page that nothing decodes cleanly (a damaged GBK page, a truncated
    download) gets the declared encoding or GB18030, whichever loses the fewest characters.
    """
    best = from_bytes(data).best()
    if best is not None:
        codec = _codec(best.encoding)
        if codec in _MULTI_BYTE and _decodes(data, codec) is not None:
            return codec
    candidates = [*declared, "gb18030"]
    return min(candidates, key=lambda codec: data.decode(codec, errors="replace").count("\ufffd"))


def decode_page(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a web page: return its text and the codec name (see :func:`detect_encoding` for the order).

    The bytes are decoded once; characters that the chosen codec cannot decode become U+FFFD, which happens only
    when no candidate decodes the page strictly.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    declared = _declared(data, content_type)
    if data.isascii():
        codec = declared[0] if declared else "utf-8"
        return data.decode(codec, errors="replace"), codec
    # Legacy multi-byte text is practically never valid UTF-8, while GB18030 decodes most UTF-8 Chinese without an
    # error (as mojibake): so valid UTF-8 beats a declaration, which is often a leftover of an older template.
    text = _decodes(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    for codec in declared:
        text = _decodes(data, codec) if codec != "utf-8" else None
        if text is not None:
            return text, codec
    codec = _sniff(data, declared)
    return data.decode(codec, errors="replace"), codec


def detect_encoding(data: bytes, content_type: str | None = None) -> str:
    """Return the Python codec name to decode a web page with.

    The order: a byte order mark; the ``charset`` of the HTTP ``Content-Type`` header; a ``<meta charset>`` or
    ``<meta http-equiv="Content-Type">`` in the first 4 KiB; then sniffing (charset-normalizer, else GB18030). A
    declared encoding is used only if the bytes decode with it strictly; otherwise the next source is asked. Bytes
    that are valid UTF-8 and not plain ASCII are UTF-8 whatever the page declares: GB18030 would decode them too,
    wrongly. GB2312 and GBK are reported as GB18030, their superset. When nothing decodes the bytes strictly the
    answer is the least lossy guess, and decoding with it loses characters.
    """
    return decode_page(data, content_type)[1]
