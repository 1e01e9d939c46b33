"""The smallest text: the floor a viewing distance sets, and what the example layouts draw."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from kiosk import shot
from kiosk.config import Layout, load_layout, parse_layout
from kiosk.screens.window import ScreenWindow
from kiosk.widgets.legibility import text_floor_px
from kiosk.widgets.theme import Style
from tests.qt_loop import in_qt_loop

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))


def test_the_floor_grows_with_distance_and_resolution_and_shrinks_with_the_panel() -> None:
    at_4m = text_floor_px(4.0, 55.0, 1920, 1080)
    assert 30 <= at_4m <= 40  # 16 mm capitals on a 55" 1080p panel (685 mm tall)
    assert text_floor_px(2.0, 55.0, 1920, 1080) < at_4m
    assert text_floor_px(4.0, 55.0, 3840, 2160) in (2 * at_4m - 1, 2 * at_4m, 2 * at_4m + 1)
    assert text_floor_px(4.0, 85.0, 1920, 1080) < at_4m


def test_the_theme_sets_the_floor_for_each_screen(qapp: QApplication) -> None:
    layout = parse_layout(
        "theme: {viewing_distance: 4, screen_diagonal: 55}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    )
    assert Style.for_screen(layout.theme, 1920, 1080).floor_px == text_floor_px(4, 55, 1920, 1080)
    assert Style.for_screen(Layout().theme, 1920, 1080).floor_px == 0  # none asked for


def smallest_drawn(qapp: QApplication, layout: Layout, size: tuple[int, int], out: Path) -> int:
    """The smallest font size any page of ``layout`` draws at ``size`` (pixels)."""
    drawn: list[int] = []
    grab = ScreenWindow.grab

    def measured(window: ScreenWindow, *args: object) -> object:
        window.wall_style.smallest.clear()
        picture = grab(window, *args)  # type: ignore[arg-type]
        drawn.extend(window.wall_style.smallest)
        return picture

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScreenWindow, "grab", measured)
        patch.setattr(shot, "SETTLE_SECONDS", 0.05)
        in_qt_loop(
            qapp,
            lambda: shot.take_shots(layout, out, seconds=1.0, sizes={"*": size}, all_pages=True),
        )
    assert drawn
    return min(drawn)


@pytest.mark.parametrize("path", LAYOUTS, ids=[path.stem for path in LAYOUTS])
def test_every_widget_reports_its_text_and_it_scales_with_the_screen(
    path: Path, qapp: QApplication, tmp_path: Path
) -> None:
    layout = load_layout(path)
    full_hd = smallest_drawn(qapp, layout, (1920, 1080), tmp_path / "hd")
    four_k = smallest_drawn(qapp, layout, (3840, 2160), tmp_path / "4k")
    print(f"{path.name}: smallest text {full_hd} px at 1080p, {four_k} px at 4K")
    assert full_hd >= 12  # nothing shrinks to a speck at 1080p
    assert abs(four_k - 2 * full_hd) <= 2  # sized from the screen, not in fixed pixels
