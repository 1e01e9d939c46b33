"""Real EDID base blocks, built byte by byte as a TV sends them (VESA E-EDID 1.4 layout)."""

from __future__ import annotations

from pathlib import Path

# A 1080p60 detailed timing, as the first descriptor of most TVs carries (pixel clock ≠ 0).
_TIMING_1080P = bytes.fromhex("023a801871382d40582c4500c48e2100001e")
_RANGE_LIMITS = bytes.fromhex("000000fd00324b1e5011000a202020202020")


def _text(tag: int, text: str) -> bytes:
    data = text.encode("ascii")
    assert len(data) <= 13
    if len(data) < 13:
        data += b"\n" + b" " * (12 - len(data))
    return bytes([0, 0, 0, tag, 0]) + data


def make_edid(
    pnp_id: str = "SAM",
    product_code: int = 0x7102,
    serial_number: int = 0,
    name: str = "",
    serial_text: str = "",
    year: int = 2022,
    checksum_delta: int = 0,
) -> bytes:
    """A valid 128-byte base block (checksum included); ``checksum_delta`` breaks it."""
    letters = [ord(c) - ord("A") + 1 for c in pnp_id]
    packed = letters[0] << 10 | letters[1] << 5 | letters[2]
    block = bytearray(bytes.fromhex("00ffffffffffff00"))
    block += packed.to_bytes(2, "big")
    block += product_code.to_bytes(2, "little")
    block += serial_number.to_bytes(4, "little")
    block += bytes([12, year - 1990, 1, 4])  # week 12, year, EDID 1.4
    block += bytes([0xA5, 121, 68, 0x78, 0x3A])  # digital input, 121×68 cm, gamma 2.2, features
    block += bytes(10)  # chromaticity
    block += bytes([0x21, 0x08, 0x00])  # established timings
    block += bytes.fromhex("d1c0") + bytes.fromhex("0101") * 7  # standard timings
    descriptors = [_TIMING_1080P]
    if name:
        descriptors.append(_text(0xFC, name))
    if serial_text:
        descriptors.append(_text(0xFF, serial_text))
    descriptors.append(_RANGE_LIMITS)
    while len(descriptors) < 4:
        descriptors.append(bytes([0, 0, 0, 0x10]) + bytes(14))  # dummy descriptor
    for descriptor in descriptors:
        assert len(descriptor) == 18
        block += descriptor
    block += bytes([0])  # no extension blocks
    assert len(block) == 127
    block.append((-sum(block) + checksum_delta) % 256)
    return bytes(block)


def fake_connector(
    root: Path,
    directory: str,
    *,
    status: str = "connected",
    enabled: str = "enabled",
    modes: str = "3840x2160\n1920x1080\n",
    edid: bytes = b"",
) -> Path:
    """One ``/sys/class/drm/card<N>-<connector>`` directory under ``root``."""
    path = root / directory
    path.mkdir(parents=True)
    (path / "status").write_text(status + "\n")
    (path / "enabled").write_text(enabled + "\n")
    (path / "modes").write_text(modes)
    (path / "edid").write_bytes(edid)
    return path


PNP_IDS = "SAM\tSamsung Electric Company\nGSM\tGoldstar Company Ltd\n"


def fake_pnp_ids(directory: Path) -> Path:
    """A small stand-in for /usr/share/hwdata/pnp.ids (which a test machine may not have)."""
    path = directory / "pnp.ids"
    path.write_text("# a comment line\n" + PNP_IDS)
    return path
