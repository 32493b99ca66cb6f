"""pdfium functions called once per character or path segment, with plain C signatures.

pypdfium2's bindings declare their handles as typed pointers, and ctypes checks and converts each such argument
on every call: about a third of the cost of a call as short as ``FPDFText_GetUnicode``. The readers call a few
functions once per character of a page or per segment of its paths, so those are declared again here on the
same entry points, with handles passed as plain addresses (``void *``) — the same C calls, made faster. An
address is only good while its pypdfium2 object (text page, page) is open.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2.raw as pdfium_raw  # type: ignore[import-untyped]

_void_p, _int, _uint = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint


def _redeclared(function: Any, restype: Any, *argtypes: Any) -> Any:
    return ctypes.CFUNCTYPE(restype, *argtypes)(address(function))


def address(handle: Any) -> int:
    """The address a pypdfium2 handle (a typed pointer) points to."""
    return ctypes.cast(handle, _void_p).value or 0


#: (text page, index) → the character's Unicode code point.
get_unicode = _redeclared(pdfium_raw.FPDFText_GetUnicode, _uint, _void_p, _int)
#: (text page, index, FS_RECTF *) → whether the character's loose box was written.
get_loose_char_box = _redeclared(pdfium_raw.FPDFText_GetLooseCharBox, _int, _void_p, _int, _void_p)
#: (path object, index) → the address of the path's segment (None if there is none).
get_path_segment = _redeclared(pdfium_raw.FPDFPath_GetPathSegment, _void_p, _void_p, _int)
#: (segment, float *x, float *y) → whether the segment's end point was written.
get_segment_point = _redeclared(pdfium_raw.FPDFPathSegment_GetPoint, _int, _void_p, _void_p, _void_p)
#: (segment) → the segment's type (FPDF_SEGMENT_*).
get_segment_type = _redeclared(pdfium_raw.FPDFPathSegment_GetType, _int, _void_p)
#: (segment) → whether the segment closes its subpath.
get_segment_close = _redeclared(pdfium_raw.FPDFPathSegment_GetClose, _int, _void_p)
