"""Who made a monitor, which model it is and its serial, from the 128-byte EDID base block.

A small parser of our own rather than a library: the one on PyPI (pyedid 1.0.3, last release
2023) reads the product code and the numeric serial big-endian where EDID stores them
little-endian, folds the serial-string descriptor and the numeric serial into one field,
needs ``requests`` for a vendor list we can read from disk, and ships no type hints. We need
five fields of the base block (VESA E-EDID 1.4, section 3): they are below, each at its offset.

Field by field this follows Qt's own parser (QEdidParser), so a serial read here is the serial
Qt reports for the same TV under X11: the serial-string descriptor when there is one, else the
numeric serial in decimal, else nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

HEADER = bytes.fromhex("00ffffffffffff00")
BLOCK = 128
_DESCRIPTORS = (54, 72, 90, 108)  # four 18-byte descriptors; a display descriptor starts 00 00 00
_SERIAL_TEXT, _TEXT, _NAME = 0xFF, 0xFE, 0xFC  # display descriptor tags
PNP_IDS = Path("/usr/share/hwdata/pnp.ids")  # Debian's hwdata: "SAM<TAB>Samsung Electric Company"


class EdidError(ValueError):
    """The bytes are not an EDID base block (too short, wrong header, wrong checksum)."""


@dataclass(frozen=True, slots=True)
class Edid:
    pnp_id: str  # the maker's three-letter PNP id, e.g. "SAM"
    product_code: int
    serial_number: int  # 0: the maker left it out
    serial_text: str = ""  # the serial-number descriptor, when there is one
    name: str = ""  # the display product name descriptor, e.g. "QM55B"
    year: int = 0  # year of manufacture (or model year)

    @property
    def serial(self) -> str:
        """The serial as Qt reports it: the descriptor, else the number, else empty."""
        if self.serial_text:
            return self.serial_text
        return str(self.serial_number) if self.serial_number else ""

    @property
    def manufacturer(self) -> str:
        """The maker's name from the system's PNP id list, else its PNP id."""
        return vendor_name(self.pnp_id)


def parse_edid(blob: bytes) -> Edid:
    """Parse the base block of ``blob`` (extension blocks after it are ignored).

    Raises:
        EdidError: the base block is short, has no EDID header, or fails its checksum.
    """
    if len(blob) < BLOCK:
        raise EdidError(f"{len(blob)} bytes, an EDID has at least {BLOCK}")
    base = blob[:BLOCK]
    if base[:8] != HEADER:
        raise EdidError("no EDID header")
    if sum(base) % 256:
        raise EdidError("checksum mismatch (a damaged cable or adapter can do this)")
    packed = int.from_bytes(base[8:10], "big")  # three 5-bit letters, 1 = A
    pnp_id = "".join(chr(ord("A") - 1 + (packed >> shift & 0x1F)) for shift in (10, 5, 0))
    texts = {_SERIAL_TEXT: "", _TEXT: "", _NAME: ""}
    for offset in _DESCRIPTORS:
        descriptor = base[offset : offset + 18]
        if descriptor[:3] == b"\0\0\0" and descriptor[3] in texts:
            texts[descriptor[3]] = _descriptor_text(descriptor[5:18])
    return Edid(
        pnp_id=pnp_id,
        product_code=int.from_bytes(base[10:12], "little"),
        serial_number=int.from_bytes(base[12:16], "little"),
        serial_text=texts[_SERIAL_TEXT],
        name=texts[_NAME],
        year=1990 + base[17] if base[17] else 0,
    )


def _descriptor_text(data: bytes) -> str:
    """Up to 13 characters, ended by a line feed and padded with spaces."""
    text = data.split(b"\n", 1)[0]
    return "".join(chr(c) if 0x20 <= c < 0x7F else "-" for c in text).strip()


@functools.cache
def _vendors(path: Path) -> dict[str, str]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    pairs = (line.split("\t", 1) for line in lines if line and not line.startswith("#"))
    return {pair[0]: pair[1].strip() for pair in pairs if len(pair) == 2}


def vendor_name(pnp_id: str, path: Path | None = None) -> str:
    """``pnp_id``'s company name from ``path`` (default :data:`PNP_IDS`, the list Qt reads
    too), else ``pnp_id`` itself."""
    return _vendors(path or PNP_IDS).get(pnp_id, pnp_id)
