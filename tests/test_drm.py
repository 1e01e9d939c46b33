"""Connectors and EDIDs read from a fake /sys/class/drm holding real EDID bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.hardware import edid as edid_module
from kiosk.hardware.drm import read_connectors
from kiosk.hardware.edid import EdidError, parse_edid, vendor_name
from tests.edid_blobs import fake_connector, fake_pnp_ids, make_edid


@pytest.fixture(autouse=True)
def pnp_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = fake_pnp_ids(tmp_path)
    monkeypatch.setattr(edid_module, "PNP_IDS", path)
    return path


def test_maker_model_and_both_serials_are_read() -> None:
    edid = parse_edid(make_edid("SAM", 0x7102, 0x01020304, "QM55B", "H4ZN900123", year=2022))
    assert edid.pnp_id == "SAM"
    assert edid.product_code == 0x7102  # little-endian in the block
    assert edid.serial_number == 0x01020304  # little-endian too
    assert edid.name == "QM55B"
    assert edid.serial_text == "H4ZN900123"
    assert edid.year == 2022


def test_the_serial_is_the_descriptor_else_the_number_as_qt_reports_it() -> None:
    assert parse_edid(make_edid(serial_number=7, serial_text="ABC")).serial == "ABC"
    assert parse_edid(make_edid(serial_number=16909060)).serial == "16909060"
    assert parse_edid(make_edid(serial_number=0)).serial == ""


def test_descriptor_texts_stop_at_the_line_feed_and_may_fill_all_13_bytes() -> None:
    assert parse_edid(make_edid(name="LG TV SSCR2")).name == "LG TV SSCR2"
    assert parse_edid(make_edid(name="ABCDEFGHIJKLM")).name == "ABCDEFGHIJKLM"


def test_every_pnp_letter_decodes() -> None:
    for pnp in ("AAA", "ZZZ", "GSM", "DEL", "HWP"):
        assert parse_edid(make_edid(pnp)).pnp_id == pnp


def test_extension_blocks_after_the_base_block_are_ignored() -> None:
    blob = make_edid(name="X") + bytes([2, 3]) + bytes(126)  # a CTA-861 block follows
    assert parse_edid(blob).name == "X"


@pytest.mark.parametrize(
    ("blob", "why"),
    [
        (make_edid()[:100], "bytes"),
        (b"\x01" + make_edid()[1:], "header"),
        (make_edid(checksum_delta=1), "checksum"),
    ],
)
def test_a_damaged_edid_says_what_is_wrong(blob: bytes, why: str) -> None:
    with pytest.raises(EdidError, match=why):
        parse_edid(blob)


def test_vendor_names_come_from_the_system_list_else_the_pnp_id(tmp_path: Path) -> None:
    assert vendor_name("SAM") == "Samsung Electric Company"
    assert vendor_name("XYZ") == "XYZ"
    assert vendor_name("SAM", tmp_path / "missing") == "SAM"


def test_connectors_are_read_card_by_card_in_the_kernels_order(tmp_path: Path) -> None:
    tmp_path = tmp_path / "sysfs"
    fake_connector(tmp_path, "card0-HDMI-A-10", status="disconnected", modes="")
    fake_connector(
        tmp_path, "card0-HDMI-A-2", edid=make_edid("SAM", name="QM55B", serial_text="H4ZN9")
    )
    fake_connector(tmp_path, "card0-DP-1", modes="1920x1080\n", edid=make_edid("GSM", name="55UH5"))
    fake_connector(tmp_path, "card0-Writeback-1", status="unknown", modes="")
    fake_connector(tmp_path, "card1-eDP-1", enabled="disabled", edid=make_edid(checksum_delta=3))
    (tmp_path / "card0").mkdir()  # the card itself, and other entries, are not connectors
    (tmp_path / "renderD128").mkdir()
    (tmp_path / "version").write_text("drm 1.1.0 20060810\n")

    connectors = read_connectors(tmp_path)

    assert [(c.card, c.name) for c in connectors] == [
        ("card0", "DP-1"),
        ("card0", "HDMI-A-2"),
        ("card0", "HDMI-A-10"),
        ("card1", "eDP-1"),
    ]
    dp, hdmi2, hdmi10, edp = connectors
    assert (hdmi2.connected, hdmi2.enabled, hdmi2.preferred_mode) == (True, True, "3840x2160")
    assert hdmi2.model == "QM55B" and hdmi2.serial == "H4ZN9"
    assert hdmi2.manufacturer == "Samsung Electric Company"
    assert dp.preferred_mode == "1920x1080" and dp.model == "55UH5"
    assert not hdmi10.connected and hdmi10.edid is None and hdmi10.preferred_mode == ""
    assert not edp.enabled and edp.edid is None and "checksum" in edp.edid_problem


def test_no_drm_device_is_an_empty_list(tmp_path: Path) -> None:
    assert read_connectors(tmp_path / "absent") == []
