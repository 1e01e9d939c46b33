"""Small tiles at the legibility floor: widgets drop parts (rows, sparkline, labels) rather than
shrink text, and keep their words whole (captions on two lines, legends uncut)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFont, QFontInfo, QFontMetrics, QImage
from pytestqt.qtbot import QtBot

from kiosk.config import Theme
from kiosk.config.widgets import (
    GaugeOptions,
    HeatmapOptions,
    KpiOptions,
    LeaderboardOptions,
    PostWallOptions,
    ShareOfVoiceOptions,
    TickerOptions,
    TimeseriesOptions,
    WidgetOptions,
)
from kiosk.hub import Hub
from kiosk.values import (
    Breakdown,
    Kind,
    Matrix,
    Mention,
    Metric,
    RankEntry,
    Ranking,
    TimeSeries,
)
from kiosk.widgets.base import KioskWidget, TextMeter
from kiosk.widgets.post_wall import PostWallWidget
from kiosk.widgets.posts import whole_lines
from kiosk.widgets.registry import create_widget
from kiosk.widgets.theme import Style
from kiosk.widgets.ticker import TickerWidget
from tests.pictures import ink

NOW = 1_790_000_000.0
TILE_3x2 = (459, 234)  # px of 3 × 2 cells of the default 12 × 8 grid at 1080p
TILE_3x3 = (459, 357)
TILE_4x2 = (612, 234)
TILE_5x1 = (765, 111)


@pytest.fixture
def hub() -> Hub:
    hub = Hub(clock=lambda: NOW)
    for name, kind in {
        "s.rate": Kind.METRIC,
        "s.tags": Kind.RANKING,
        "s.share": Kind.BREAKDOWN,
        "s.grid": Kind.MATRIX,
    }.items():
        hub.declare(name, kind)
    return hub


def style_at(distance: float | None) -> Style:
    return Style.for_screen(Theme(viewing_distance=distance), 1920, 1080)


def shown(
    qtbot: QtBot, hub: Hub, options: WidgetOptions, size: tuple[int, int], style: Style
) -> KioskWidget:
    widget = create_widget(options, hub, style)
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    widget.refresh()
    return widget


@pytest.fixture
def texts() -> Iterator[list[tuple[str, int]]]:
    """Every (text, font px) the widgets draw through their TextMeter."""
    drawn: list[tuple[str, int]] = []
    draw = TextMeter.drawText

    def noting(painter: TextMeter, *args: Any) -> None:
        text = next((arg for arg in args if isinstance(arg, str)), "")
        drawn.append((text, painter.font().pixelSize()))
        draw(painter, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TextMeter, "drawText", noting)
        yield drawn


def ranking(count: int) -> Ranking:
    return Ranking(tuple(RankEntry(f"#tag{i}", 1000 - i, i + 1) for i in range(count)))


def test_the_text_record_reads_a_font_in_pixels_as_set_and_one_in_points_as_matched(
    qapp: object,
) -> None:
    """TextMeter notes the smallest type drawn: a pixel size as set (every kiosk font), a font
    set in points by the size Qt matched for it; blank text is not text."""

    class Owner:
        noted: dict[str, int | None] = {}

        def note_text(self, part: str, size: int | None) -> None:
            self.noted[part] = size

    owner, image = Owner(), QImage(200, 60, QImage.Format.Format_RGB32)
    in_points = QFont("DejaVu Sans")
    in_points.setPointSizeF(7.5)
    painter = TextMeter(image, owner, "both")  # type: ignore[arg-type]
    painter.setFont(Style.for_screen(Theme(), 1920, 1080).font(30))
    painter.drawText(5, 40, "30 px")
    painter.setFont(in_points)
    painter.drawText(5, 40, "  ")
    painter.end()
    assert owner.noted["both"] == 30
    painter = TextMeter(image, owner, "points")  # type: ignore[arg-type]
    painter.setFont(in_points)
    painter.drawText(5, 40, "small")
    painter.end()
    assert owner.noted["points"] == QFontInfo(in_points).pixelSize() > 0


def test_a_one_row_leaderboard_shows_fewer_rows_not_smaller_ones(
    qtbot: QtBot, hub: Hub, texts: list[tuple[str, int]]
) -> None:
    """The crisis room's "Rising hashtags" in one row of the grid: 5 rows of 14 px text."""
    hub.publish("s.tags", ranking(5))
    options = LeaderboardOptions(at=(0, 0, 5, 1), data="s.tags", title="Rising", limit=5)
    widget = shown(qtbot, hub, options, TILE_5x1, style_at(None))
    widget.grab()
    labels = [px for text, px in texts if text.startswith("#tag")]
    assert 1 <= len(labels) < 5
    assert min(labels) >= 26  # px at 1080p, the row's least
    assert not widget.shows_title()  # its caption went first
    assert widget.smallest_text_px is not None and widget.smallest_text_px >= 20


def test_a_leaderboard_at_the_floor_drops_its_moves_before_cutting_names(
    qtbot: QtBot, hub: Hub, texts: list[tuple[str, int]]
) -> None:
    long = "#AcmeDown"
    hub.publish("s.tags", Ranking((RankEntry(long, 30_000, 3), RankEntry("#b", 20, 0))))
    options = LeaderboardOptions(at=(0, 0, 3, 2), data="s.tags", title="Tags")
    widget = shown(qtbot, hub, options, TILE_3x2, style_at(3.0))
    widget.grab()
    drawn = [text for text, _ in texts]
    assert long in drawn
    assert not any(text.startswith(("▲", "▼")) for text in drawn)
    wide = shown(qtbot, hub, options, (1200, 234), style_at(3.0))
    texts.clear()
    wide.grab()
    assert any(text.startswith("▲") for text, _ in texts)  # room enough: the moves are back


def test_a_small_kpi_keeps_its_number_twice_the_caption(
    qtbot: QtBot, hub: Hub, texts: list[tuple[str, int]]
) -> None:
    hub.publish("s.rate", Metric(5571, 4000, tuple(range(30)), "/min"))
    options = KpiOptions(at=(0, 0, 4, 2), data="s.rate", title="Mentions per minute")
    style = style_at(4.0)
    widget = shown(qtbot, hub, options, TILE_4x2, style)
    widget.grab()
    number = next(px for text, px in texts if text.startswith("5,571"))
    caption = next(px for text, px in texts if text == "Mentions per minute")
    assert number >= 2 * caption
    assert widget.smallest_text_px is not None and widget.smallest_text_px >= style.floor_px


def test_a_long_caption_takes_two_lines_where_the_tile_is_tall_enough(
    qtbot: QtBot, hub: Hub, texts: list[tuple[str, int]]
) -> None:
    title = "Beantwoord binnen 1 uur (doel 90 %)"
    hub.publish("s.rate", Metric(87))
    gauge = GaugeOptions(at=(0, 0, 2, 3), data="s.rate", title=title)
    widget = shown(qtbot, hub, gauge, (459, 350), style_at(3.0))
    assert len(widget.title_lines()) == 2
    assert " ".join(widget.title_lines()) == title  # whole, not "(do…"
    widget.grab()
    assert any(text == "\n".join(widget.title_lines()) for text, _ in texts)
    flat = shown(
        qtbot, hub, gauge.model_copy(update={"at": (0, 0, 3, 1)}), (459, 111), style_at(3.0)
    )
    assert len(flat.title_lines()) == 1  # no room for two: cut, the dial keeps its room


def test_a_caption_is_fitted_again_when_its_tile_changes_size(qtbot: QtBot, hub: Hub) -> None:
    """The fitted caption is kept between paints, for the tile's size only."""
    title = "Beantwoord binnen 1 uur (doel 90 %)"
    hub.publish("s.rate", Metric(87))
    gauge = GaugeOptions(at=(0, 0, 2, 3), data="s.rate", title=title)
    widget = shown(qtbot, hub, gauge, (459, 350), style_at(3.0))
    assert len(widget.title_lines()) == 2
    widget.resize(459, 111)
    assert len(widget.title_lines()) == 1
    widget.resize(1400, 350)
    assert widget.title_lines() == [title]
    widget.resize(459, 350)
    assert " ".join(widget.title_lines()) == title
    assert widget.content_rect().top() > widget.title_height()


def test_a_donut_legend_keeps_the_names_whole(
    qtbot: QtBot, hub: Hub, texts: list[tuple[str, int]]
) -> None:
    shares = (("Acme", 70.8), ("Globex", 14.2), ("Initech", 9.3), ("Umbrella", 5.6))
    hub.publish("s.share", Breakdown(shares))
    options = ShareOfVoiceOptions(at=(0, 0, 3, 3), data="s.share", title="Share of voice")
    widget = shown(qtbot, hub, options, TILE_3x3, style_at(3.0))
    widget.grab()
    drawn = {text for text, _ in texts}
    assert {"Acme", "Globex", "Initech", "Umbrella"} <= drawn


def test_heatmap_labels_at_the_floor_skip_rows_rather_than_overlap(
    qtbot: QtBot, hub: Hub, texts: list[tuple[str, int]]
) -> None:
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    hours = tuple(f"{hour:02d}" for hour in range(24))
    hub.publish("s.grid", Matrix(days, hours, np.arange(7 * 24, dtype=np.float64).reshape(7, 24)))
    options = HeatmapOptions(at=(0, 0, 4, 2), data="s.grid", title="By weekday")
    style = style_at(3.0)
    widget = shown(qtbot, hub, options, TILE_4x2, style)
    widget.grab()
    labels = [(text, px) for text, px in texts if text in days]
    rows_room = widget.content_rect().height()
    assert labels and len(labels) * style.floor_px <= rows_room  # one label a line, no overlap
    assert len(labels) < len(days)
    assert all(px >= style.floor_px for _, px in labels)


LONG_POST = (
    "Al veertig minuten in de wacht bij de klantenservice van Initech, en nog steeds geen "
    "antwoord op mijn vraag over de factuur van vorige maand. Belachelijk, echt waar. "
    "Wie heeft hier ervaring mee en weet hoe je iemand aan de lijn krijgt?"
)


def post(i: int, text: str = LONG_POST, handle: str = "sanne") -> Mention:
    return Mention(
        f"p{i}", NOW, "Initech", f"{text} {i}", "nl", "x", "Sanne de Vries", handle, 10, -0.5
    )


def wall(qtbot: QtBot, hub: Hub, size: tuple[int, int], style: Style) -> PostWallWidget:
    hub.declare("s.posts", Kind.MENTIONS)
    options = PostWallOptions(at=(0, 0, 6, 6), data="s.posts", title="Live", every=0.001)
    widget = create_widget(options, hub, style)
    assert isinstance(widget, PostWallWidget)
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    return widget


def test_whole_lines_end_with_an_ellipsis_after_a_whole_word(qapp: object) -> None:
    font = style_at(None).font(28)
    lines, cut = whole_lines(LONG_POST, font, 400, 3)
    assert cut and len(lines) == 3 and lines[-1].endswith("…")
    metrics = QFontMetrics(font)
    assert all(metrics.horizontalAdvance(line) <= 400 for line in lines)
    shown = " ".join(lines).removesuffix("…").split()
    assert shown == LONG_POST.split()[: len(shown)]  # whole words, in order, none cut
    assert whole_lines("Kort bericht", font, 400, 3) == (["Kort bericht"], False)


def test_post_cards_show_whole_lines_in_the_card(
    qtbot: QtBot, hub: Hub, texts: list[tuple[str, int]]
) -> None:
    widget = wall(qtbot, hub, (900, 700), style_at(3.0))
    hub.append("s.posts", [post(i) for i in range(8)])
    for _ in range(8):
        widget.clock = lambda: NOW + len(widget.cards)  # type: ignore[method-assign]
        widget.refresh()
    assert len(widget.cards) > 2
    texts.clear()
    card = widget._draw_card(post(99))  # type: ignore[attr-defined]
    body = [(text, px) for text, px in texts if text.split()[0] in LONG_POST]
    assert body and body[-1][0].endswith("…")
    spacing = QFontMetrics(style_at(3.0).font(28)).lineSpacing()
    header = widget._header_height()  # type: ignore[attr-defined]
    assert header + len(body) * spacing <= card.height() / card.devicePixelRatio()


def test_one_or_two_posts_fill_the_wall(qtbot: QtBot, hub: Hub) -> None:
    widget = wall(qtbot, hub, (900, 700), style_at(None))
    room = widget.content_rect().height()
    hub.append("s.posts", [post(1, "Nouvelle boutique Acme à Lyon")])
    widget.refresh()
    assert len(widget.cards) == 1 and widget.card_height() == room  # not 150 px and a void
    hub.append("s.posts", [post(i, "Nouvelle boutique") for i in range(2, 12)])
    for i in range(10):
        widget.clock = lambda i=i: NOW + i  # type: ignore[method-assign]
        widget.refresh()
    full = widget.card_height()
    assert full < room / 3
    assert all(card.height() / card.devicePixelRatio() == full for _, card in widget.cards)


def test_a_long_handle_is_cut_in_the_middle_by_the_width(
    qtbot: QtBot, hub: Hub, texts: list[tuple[str, int]]
) -> None:
    widget = wall(qtbot, hub, (700, 400), style_at(None))
    widget._draw_card(post(1, "Hallo", handle="acme_customer_support_netherlands"))  # type: ignore[attr-defined]
    where = next(text for text, _ in texts if " · X · " in text)
    assert where.startswith("@acme") and "…" in where  # cut by width, in the middle:
    assert "lands · X" in where  # the end, which tells it from the other Acme accounts


def test_names_cut_by_width_keep_the_end_that_tells_them_apart(
    qtbot: QtBot, hub: Hub, texts: list[tuple[str, int]]
) -> None:
    tags = ("#AcmeSummerSaleEurope2025", "#AcmeSummerSaleEurope2026")
    hub.publish("s.tags", Ranking(tuple(RankEntry(tag, 10 - i, i) for i, tag in enumerate(tags))))
    options = LeaderboardOptions(at=(0, 0, 2, 2), data="s.tags", title="Tags")
    widget = shown(qtbot, hub, options, (306, 234), style_at(None))
    widget.grab()
    labels = [text for text, _ in texts if text.startswith("#")]
    assert len(labels) == 2 and all("…" in label for label in labels)
    assert labels[0] != labels[1]  # cut at the end, both read "#AcmeSummerSa…"


@pytest.mark.parametrize(
    ("locale", "up", "down"),
    [
        ("en", "▲ 14 points  higher than before", "▼ 12.5%  lower than before"),
        ("nl", "▲ 14 punten  hoger dan eerder", "▼ 12,5%  lager dan eerder"),
        ("fr", "▲ 14 points  de plus qu'avant", "▼ 12,5 %  de moins qu'avant"),
    ],
)
def test_a_public_screen_says_a_change_in_plain_words(
    qtbot: QtBot, hub: Hub, locale: str, up: str, down: str
) -> None:
    """A lobby reads "▲ 14 points higher than before", not the trade's "▲ 14 pts vs previous"."""
    style = Style.for_screen(Theme(locale=locale), 1920, 1080)
    options = KpiOptions(at=(0, 0, 4, 2), data="s.rate", title="Net", change="points")
    points = shown(qtbot, hub, options, TILE_4x2, style)
    points.public = True
    hub.publish("s.rate", Metric(40, 26))
    points.refresh()
    assert points.change_text() == (up, style.positive)  # type: ignore[attr-defined]
    percent = shown(qtbot, hub, options.model_copy(update={"change": "percent"}), TILE_4x2, style)
    percent.public = True
    hub.publish("s.rate", Metric(35, 40))
    percent.refresh()
    text, _ = percent.change_text()  # type: ignore[attr-defined]
    assert text.replace("\u202f", " ").replace("\xa0", " ") == down


def test_value_axis_labels_at_the_floor_get_the_width_they_need(qtbot: QtBot, hub: Hub) -> None:
    """pyqtgraph leaves out a tick label wider than its axis: the French chart had only "0"."""
    hub.declare("s.volume", Kind.SERIES)
    values = np.linspace(0, 11300, 60).reshape(1, 60)
    hub.publish("s.volume", TimeSeries(("Acme",), NOW - 3600, 60.0, values))
    style = Style.for_screen(Theme(locale="fr-FR", viewing_distance=3), 1920, 1080)
    options = TimeseriesOptions(at=(0, 0, 8, 4), data="s.volume", title="Volume")
    widget = shown(qtbot, hub, options, (1200, 460), style)
    axis = widget.plot.getPlotItem().getAxis("left")  # type: ignore[attr-defined]
    metrics = QFontMetrics(axis.style["tickFont"])
    labels = [label for _, label in axis._tickLevels[0]]
    assert max(map(len, labels)) >= 6  # "12,5 k"
    assert all(metrics.horizontalAdvance(label) + style.px(8) < axis.width() for label in labels)


def test_a_ticker_fed_before_its_page_was_laid_out_redraws_its_posts(
    qtbot: QtBot, hub: Hub
) -> None:
    """PageView.prepare feeds a page before its layout: the posts were drawn in 4 px type."""
    hub.declare("s.posts", Kind.MENTIONS)
    widget = create_widget(TickerOptions(at=(0, 7, 12, 1), data="s.posts"), hub, style_at(None))
    assert isinstance(widget, TickerWidget)
    qtbot.addWidget(widget)
    widget.resize(640, 40)
    hub.append("s.posts", [post(i, "Nouvelle boutique") for i in range(3)])
    widget.refresh()
    assert widget.items and widget.smallest_text_px is not None and widget.smallest_text_px < 10
    widget.resize(1900, 110)
    widget.show()
    height = widget.content_rect().height()
    assert all(item.drawn_for == height for item in widget.items)
    assert all(
        item.pixmap.height() / item.pixmap.devicePixelRatio() <= height for item in widget.items
    )
    assert widget.smallest_text_px >= 20


def test_a_ticker_post_is_a_picture_of_its_type_not_of_the_strip(qtbot: QtBot, hub: Hub) -> None:
    """A 4K strip is 270 px tall and its type a third of that: each post's picture keeps the
    rows that are drawn and leaves the strip's fill to the strip, and nothing drawn is cut
    (its first and last rows are the panel's colour only), accents and emoji from a fallback
    font included."""
    hub.declare("s.posts", Kind.MENTIONS)
    style = Style.for_screen(Theme(), 3840, 2160)
    widget = create_widget(TickerOptions(at=(0, 7, 12, 1), data="s.posts"), hub, style)
    assert isinstance(widget, TickerWidget)
    qtbot.addWidget(widget)
    widget.resize(3840, 270)
    widget.show()
    texts = ("ÉÇÅ Ÿ ǅ jumps gqpy", "Fête 🎉🔥 ÀÉÎ", "Čeština Łódź ÑÕÜ")
    hub.append("s.posts", [post(i, text) for i, text in enumerate(texts)])
    widget.refresh()
    strip = widget.content_rect().height()
    for i, text in enumerate(texts):  # each post as the strip draws it when it enters
        image = widget._draw_item(post(i, text)).toImage()
        assert image.height() < 0.7 * strip
        drawn = ink(image, style.panel)
        assert drawn.any()
        assert not drawn[0].any() and not drawn[-1].any(), text
    assert widget.items and all(item.drawn_for == strip for item in widget.items)


def test_a_chart_legend_shows_whole_entries_only(qtbot: QtBot, hub: Hub) -> None:
    hub.declare("s.volume", Kind.SERIES)
    brands = ("Acme", "Globex", "Initech", "Umbrella")
    values = np.full((4, 60), 100.0)
    hub.publish("s.volume", TimeSeries(brands, NOW - 3600, 60.0, values))
    options = TimeseriesOptions(at=(0, 0, 4, 3), data="s.volume", title="Volume")
    widget = shown(qtbot, hub, options, (612, 357), style_at(3.0))
    ends: list[tuple[str, float]] = []  # (text, its right end in the widget)
    draw = TextMeter.drawText

    def noting(painter: TextMeter, *args: Any) -> None:
        text = next((arg for arg in args if isinstance(arg, str)), "")
        if isinstance(args[0], QRect):
            ends.append((text, args[0].left() + painter.fontMetrics().horizontalAdvance(text)))
        draw(painter, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TextMeter, "drawText", noting)
        widget.grab()
    legend = [(text, end) for text, end in ends if text in brands or text == "100"]
    assert 0 < len(legend) < 8  # no room for all four at the floor
    assert all(end <= widget.content_rect().right() for _, end in legend)  # none cut or over
