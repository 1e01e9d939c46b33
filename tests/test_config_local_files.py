"""Files a layout reads (images, file sources) stay in its folder or a folder it allows."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kiosk.config import LayoutError, load_layout
from kiosk.sources.file import FileOptions

ROOT = Path(__file__).resolve().parents[1]
LOGO = ROOT / "layouts" / "assets" / "logo.svg"


def write_layout(folder: Path, image: str = "", csv: str = "", extra: str = "") -> Path:
    sheet = "{n: {kind: metric, path: '[0].n'}}"
    sources = "{social: {type: demo}"
    sources += f", sheet: {{type: file, path: '{csv}', streams: {sheet}}}" if csv else ""
    widgets = f"{{type: image, at: [0, 0, 2, 2], path: '{image}'}}" if image else ""
    page = f"{{title: P, widgets: [{widgets}]}}"
    path = folder / "layout.yaml"
    path.write_text(
        f"sources: {sources}}}\nscreens: [{{name: a, match: {{any: true}}, pages: [{page}]}}]\n"
        + extra
    )
    return path


def messages(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(LayoutError) as caught:
        load_layout(path)
    return [(issue.path, issue.message) for issue in caught.value.issues]


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """A layout folder with a logo and a CSV in it, and a folder beside it with the same."""
    layout_folder, elsewhere = tmp_path / "wall", tmp_path / "data"
    for folder in (layout_folder, elsewhere):
        (folder / "assets").mkdir(parents=True)
        shutil.copyfile(LOGO, folder / "assets" / "logo.svg")
        (folder / "kpis.csv").write_text("n\n1\n")
    return layout_folder, elsewhere


def test_files_in_the_layouts_folder_are_read(folders: tuple[Path, Path]) -> None:
    wall, _ = folders
    layout = load_layout(write_layout(wall, image="assets/logo.svg", csv="./kpis.csv"))
    [widget] = layout.screens[0].pages[0].widgets
    assert widget.path == wall / "assets" / "logo.svg"  # type: ignore[attr-defined]
    sheet = layout.sources["sheet"]
    assert isinstance(sheet, FileOptions) and sheet.path == wall / "kpis.csv"


def test_a_file_source_cannot_read_outside_the_layouts_folder(folders: tuple[Path, Path]) -> None:
    wall, _ = folders
    # as many steps up as it takes from wherever pytest put the folder (deeper under xdist)
    [(path, message)] = messages(write_layout(wall, csv=os.path.relpath("/etc/passwd", wall)))
    assert path == "sources.sheet.path"
    assert message.startswith(f"/etc/passwd is outside the layout's folder {wall.resolve()}; ")
    assert "add its folder to files: {allow: [...]}" in message


def test_an_image_cannot_climb_out_of_the_layouts_folder(folders: tuple[Path, Path]) -> None:
    wall, elsewhere = folders
    for written in ("../data/assets/logo.svg", str(elsewhere / "assets" / "logo.svg")):
        [(path, message)] = messages(write_layout(wall, image=written))
        assert path == "screens[0].pages[0].widgets[0].path"
        assert message.startswith(f"{elsewhere.resolve()}/assets/logo.svg is outside the layout")


def test_a_symlink_in_the_folder_is_judged_by_where_it_leads(folders: tuple[Path, Path]) -> None:
    wall, elsewhere = folders
    (wall / "passwd.csv").symlink_to("/etc/passwd")
    (wall / "logo.svg").symlink_to(elsewhere / "assets" / "logo.svg")
    found = messages(write_layout(wall, image="logo.svg", csv="passwd.csv"))
    assert [path for path, _ in found] == [
        "sources.sheet.path",
        "screens[0].pages[0].widgets[0].path",
    ]
    assert all("is outside the layout's folder" in message for _, message in found)


def test_a_folder_the_layout_allows_can_be_read(folders: tuple[Path, Path]) -> None:
    wall, elsewhere = folders
    for allowed in (str(elsewhere), "../data"):  # absolute, or relative to the layout
        layout = load_layout(
            write_layout(
                wall,
                image=str(elsewhere / "assets" / "logo.svg"),
                csv="../data/kpis.csv",
                extra=f"files: {{allow: ['{allowed}']}}\n",
            )
        )
        assert layout.sources["sheet"].path == elsewhere / "kpis.csv"  # type: ignore[union-attr]


def test_an_allowed_folder_does_not_open_its_neighbours(folders: tuple[Path, Path]) -> None:
    wall, elsewhere = folders
    allow = f"files: {{allow: ['{elsewhere / 'assets'}']}}\n"
    [(path, message)] = messages(write_layout(wall, csv="../data/kpis.csv", extra=allow))
    assert path == "sources.sheet.path"
    assert f"and the folders under files: allow: ({elsewhere.resolve() / 'assets'})" in message
