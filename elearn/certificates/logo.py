"""The instansi logo an admin uploads for its certificates: a PNG, checked before anything decodes it.

A PNG's cost to decode is what its header promises, not its file size: a 1 KB file may claim
100,000 x 100,000 pixels and inflate to gigabytes. So, walking the chunks without decoding
(the approach of ``pledges.services.parse_png``, with the chunks an image editor writes rather
than those a canvas writes): the magic bytes; IHDR first, once, 13 bytes, with a valid bit depth
and colour type, and width, height and their product within bounds; every chunk inside the file
with a correct CRC; only known chunks (critical IHDR, PLTE, IDAT, IEND; inert ancillary ones, each
bounded; text chunks that inflate (zTXt, iTXt) and anything unknown are refused); the image data in
one run; IEND last. Then the image data is inflated in bounded steps and must give exactly the size
the header promises (a zlib bomb stops one byte past it, and nothing is kept in memory but one step).
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: the largest logo file accepted
MAX_LOGO_BYTES = 1024 * 1024
#: the largest width and height, and their product
MAX_LOGO_SIDE = 2000
MAX_LOGO_PIXELS = 2000 * 2000
_VALID_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: ancillary chunks allowed (each at most once) and their largest size; everything else is refused
_ANCILLARY = {b"tRNS": 256 * 2, b"sRGB": 1, b"gAMA": 4, b"cHRM": 32, b"sBIT": 4, b"pHYs": 9, b"bKGD": 6,
              b"tIME": 7, b"iCCP": 64 * 1024, b"tEXt": 64 * 1024}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
#: inflate the image data in steps of this many bytes
_STEP = 256 * 1024


class LogoError(ValueError):
    """Why a logo is refused: ``code`` is one of not_png, too_large, dimensions, corrupt."""

    def __init__(self, code: str, width: int = 0, height: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.width = width
        self.height = height


@dataclass(frozen=True)
class LogoInfo:
    width: int
    height: int


def _raw_size(width: int, height: int, depth: int, colour: int, interlace: int) -> int:
    bits = _CHANNELS[colour] * depth

    def rows(w: int, h: int) -> int:
        return h * (1 + (w * bits + 7) // 8) if w and h else 0

    if not interlace:
        return rows(width, height)
    return sum(rows((width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy) for x0, y0, dx, dy in _ADAM7)


def check_logo(data: bytes) -> LogoInfo:
    """(width, height) of an acceptable logo; raises LogoError otherwise."""
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError("too_large")
    if not data.startswith(PNG_MAGIC):
        raise LogoError("not_png")
    if len(data) < 8 + 25 + 12:
        raise LogoError("corrupt")
    # IHDR first: the dimensions are refused before anything else is read
    length, kind = struct.unpack(">I4s", data[8:16])
    if kind != b"IHDR" or length != 13:
        raise LogoError("corrupt")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if not (1 <= width <= MAX_LOGO_SIDE and 1 <= height <= MAX_LOGO_SIDE and width * height <= MAX_LOGO_PIXELS):
        raise LogoError("dimensions", width, height)
    if depth not in _VALID_DEPTHS.get(colour, ()) or compression or filtering or interlace > 1:
        raise LogoError("corrupt")
    pos, seen_iend, previous = 8, False, b""
    idat: list[bytes] = []
    seen: set[bytes] = set()
    while pos < len(data):
        if pos + 12 > len(data):
            raise LogoError("corrupt")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise LogoError("corrupt")
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:end])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc or not kind.isalpha():
            raise LogoError("corrupt")
        if kind == b"IHDR":
            if pos != 8:
                raise LogoError("corrupt")
        elif kind == b"PLTE":
            if colour not in (2, 3, 6) or idat or kind in seen or length % 3 or length > 768:
                raise LogoError("corrupt")
            seen.add(kind)
        elif kind == b"IDAT":
            if idat and previous != b"IDAT":
                raise LogoError("corrupt")
            idat.append(body)
        elif kind == b"IEND":
            seen_iend = True
            pos = end
            break
        elif kind in _ANCILLARY:
            if (kind in seen and kind != b"tEXt") or length > _ANCILLARY[kind]:
                raise LogoError("corrupt")
            if kind == b"iCCP":
                _check_icc(body)
            seen.add(kind)
        else:
            raise LogoError("corrupt")
        previous = kind
        pos = end
    if not (idat and seen_iend) or pos != len(data) or (colour == 3 and b"PLTE" not in seen):
        raise LogoError("corrupt")
    _check_pixels(b"".join(idat), _raw_size(width, height, depth, colour, interlace))
    return LogoInfo(width, height)


def _check_icc(body: bytes) -> None:
    name_end = body.find(b"\0", 0, 80)
    if name_end < 1 or len(body) < name_end + 3 or body[name_end + 1] != 0:
        raise LogoError("corrupt")
    inflater = zlib.decompressobj()
    try:
        profile = inflater.decompress(body[name_end + 2:], 64 * 1024 + 1)
    except zlib.error:
        raise LogoError("corrupt") from None
    if len(profile) > 64 * 1024 or not inflater.eof:
        raise LogoError("corrupt")


def _check_pixels(compressed: bytes, expected: int) -> None:
    """The image data inflates to exactly ``expected`` bytes, inflated in steps (never more than
    one step plus one byte past ``expected``), nothing kept."""
    inflater = zlib.decompressobj()
    total = 0
    pending = compressed
    try:
        while True:
            chunk = inflater.decompress(pending, _STEP)
            total += len(chunk)
            if total > expected:
                raise LogoError("corrupt")
            pending = inflater.unconsumed_tail
            if inflater.eof or (not chunk and not pending):
                break
    except zlib.error:
        raise LogoError("corrupt") from None
    if total != expected or not inflater.eof or inflater.unused_data:
        raise LogoError("corrupt")
