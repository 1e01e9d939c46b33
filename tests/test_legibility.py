"""The smallest text: the floor a viewing distance sets, and what the example layouts draw."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from kiosk import cli, shot
from kiosk.config import Layout, load_layout, parse_layout
from kiosk.screens.window import ScreenWindow
from kiosk.widgets.base import KioskWidget
from kiosk.widgets.legibility import DEFAULT_VIEWING_DISTANCE, cramped_widgets, text_floor_px
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


def test_each_font_asked_for_is_a_copy_of_its_kind(qapp: QApplication) -> None:
    """Style.font keeps one font per size and weight (a panel asks a dozen times a repaint);
    what it hands out is the caller's own: changing it changes no other."""
    layout = parse_layout(
        "theme: {viewing_distance: 4, screen_diagonal: 55}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    )
    style = Style.for_screen(layout.theme, 3840, 2160)
    first = style.font(50, 700)
    first.setPixelSize(7)
    first.setItalic(True)
    again = style.font(50, 700)
    assert (again.pixelSize(), again.italic(), again.weight()) == (100, False, 700)
    assert style.font(5).pixelSize() == style.floor_px  # the floor still holds


def with_distance(layout: Layout) -> Layout:
    """``layout`` as the room it is for: its own viewing distance, or the default one."""
    if layout.theme.viewing_distance is not None:
        return layout
    theme = layout.theme.model_copy(update={"viewing_distance": DEFAULT_VIEWING_DISTANCE})
    return layout.model_copy(update={"theme": theme})


def text_drawn(
    qapp: QApplication, layout: Layout, size: tuple[int, int], out: Path
) -> list[tuple[str, int, int]]:
    """(where, smallest text px, floor px) for each widget that drew text, on every page of
    every screen of ``layout`` at ``size`` (pixels)."""
    drawn: list[tuple[str, int, int]] = []
    grab = ScreenWindow.grab

    def measured(window: ScreenWindow, *args: object) -> object:
        picture = grab(window, *args)  # type: ignore[arg-type]
        for widget in window.findChildren(KioskWidget):
            if widget.isVisible() and widget.smallest_text_px is not None:
                where = (
                    f"{window.screen_config.name}: {widget.options.type} {widget.options.title!r}"
                )
                drawn.append((where, widget.smallest_text_px, widget.style_.floor_px))
        return picture

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScreenWindow, "grab", measured)
        patch.setattr(shot, "SETTLE_SECONDS", 0.05)
        in_qt_loop(
            qapp,
            lambda: shot.take_shots(layout, out, seconds=1.0, sizes={"*": size}, all_pages=True),
        )
    assert drawn
    return drawn


@pytest.mark.parametrize("path", LAYOUTS, ids=[path.stem for path in LAYOUTS])
@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)], ids=["1080p", "4K"])
def test_no_widget_of_an_example_layout_draws_text_below_the_floor(
    path: Path, size: tuple[int, int], qapp: QApplication, tmp_path: Path
) -> None:
    """Layouts without ``viewing_distance`` are held to the default one (3 m)."""
    layout = with_distance(load_layout(path))
    drawn = text_drawn(qapp, layout, size, tmp_path)
    floor = drawn[0][2]
    assert floor == text_floor_px(layout.theme.viewing_distance or 0, 55.0, *size)
    print(
        f"{path.name} {size[1]}p: smallest text {min(px for _, px, _ in drawn)} px, floor {floor}"
    )
    below = [f"{where}: {px} px" for where, px, floor in drawn if px < floor]
    assert not below, f"text below the {floor} px floor:\n" + "\n".join(below)


CRAMPED = """
theme: {viewing_distance: 6}
sources: {social: {type: demo}}
screens:
  - name: lobby
    match: {index: 0}
    pages:
      - title: Pulse
        grid: {columns: 24, rows: 16}
        widgets:
          - {type: kpi, at: [0, 0, 3, 3], data: social.rate, title: Mentions}
          - {type: kpi, at: [3, 0, 6, 4], data: social.rate, title: Roomy}
"""


def test_the_check_names_the_screen_and_widget_whose_cell_is_too_small() -> None:
    warnings = cramped_widgets(parse_layout(CRAMPED))
    assert len(warnings) == 1
    assert "screen 'lobby'" in warnings[0] and "kpi 'Mentions' at [0, 0, 3, 3]" in warnings[0]
    assert "from 6 m (53 px" in warnings[0]
    near = parse_layout(CRAMPED.replace("viewing_distance: 6", "viewing_distance: 1"))
    assert cramped_widgets(near) == []  # read from close by, the same cell is enough


@pytest.mark.parametrize("path", LAYOUTS, ids=[path.stem for path in LAYOUTS])
def test_the_example_layouts_have_room_for_legible_text(path: Path) -> None:
    assert cramped_widgets(load_layout(path)) == []


def test_kiosk_check_warns_and_still_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = tmp_path / "lobby.yaml"
    layout.write_text(CRAMPED, encoding="utf-8")
    assert cli.main(["check", str(layout)]) == 0
    err = capsys.readouterr().err
    assert f"{layout}: warning: screen 'lobby', page 'Pulse': kpi 'Mentions'" in err
    assert "(the default)" not in err
