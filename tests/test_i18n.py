"""The room's language: complete catalogues, locale formats, and every example layout drawn in
every language without a word left in English (kiosk.i18n.MISSED)."""

from __future__ import annotations

import functools
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from kiosk import i18n, shot
from kiosk.config import Layout, Takeover, load_layout, parse_layout
from kiosk.config.errors import LayoutError
from kiosk.i18n import LANGUAGES, Lang
from kiosk.screens.identify import NOT_ASSIGNED, paint_identify
from kiosk.screens.matching import Monitor
from kiosk.screens.takeover import TakeoverRule
from kiosk.values import Metric
from kiosk.widgets.theme import Style
from tests.qt_loop import in_qt_loop

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))
LOCALES = i18n.LOCALES_DIR
KEYWORDS = {"_": None, "n_": (1, 2), "N_": None}


def catalogue(language: str):  # type: ignore[no-untyped-def]
    with (LOCALES / language / "LC_MESSAGES" / "kiosk.po").open("rb") as po:
        return read_po(po, locale=language)


def ids_in_code() -> set[str]:
    """Every msgid the code marks, found by Babel's extractor as ``pybabel extract`` would."""
    found = set()
    for folder in ("widgets", "screens", "i18n"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / "kiosk" / folder, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_template_holds_exactly_the_strings_the_code_marks() -> None:
    with (LOCALES / "kiosk.pot").open("rb") as pot:
        template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(pot) if m.id}
    assert template == ids_in_code(), (
        "run: pybabel extract -k _ -k n_:1,2 -k N_ --no-location --sort-output --no-wrap "
        "-o kiosk/i18n/locales/kiosk.pot kiosk/widgets kiosk/screens kiosk/i18n"
    )


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_catalogue_is_complete_with_the_same_fields(language: str) -> None:
    code = ids_in_code()
    messages = [m for m in catalogue(language) if m.id]
    assert {m.id[0] if isinstance(m.id, tuple) else m.id for m in messages} == code
    for message in messages:
        assert not message.fuzzy, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(texts), f"{language}: {ids[0]!r} has no translation"
        if isinstance(message.id, tuple):  # every plural form of the language, filled
            assert len(texts) == catalogue(language).num_plurals, message.id
        for text in texts:
            assert fields(text) == fields(ids[-1]), f"{language}: {text!r} vs {ids[0]!r}"


def plain(text: str) -> str:
    """CLDR's no-break spaces (which keep ``1 234`` on one line) as plain ones, to compare."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_numbers_dates_and_ages_read_as_the_room_reads_them() -> None:
    nl, fr, en = Lang("nl-NL"), Lang("fr-FR"), Lang("en")
    assert (nl.number(1234.5, 1), en.number(1234.5, 1)) == ("1.234,5", "1,234.5")
    assert plain(fr.number(1234.5, 1)) == "1 234,5"
    assert (plain(nl.compact(1_234_567)), en.compact(1_234_567)) == ("1,2 mln.", "1.2M")
    assert nl.compact(1234) == "1.234"  # four digits stay whole
    assert (nl.percent(0.123), en.percent(0.123), plain(fr.percent(0.123))) == (
        "12,3%",
        "12.3%",
        "12,3 %",
    )
    assert plain(fr.ago(12)) == "il y a 12 s"
    assert plain(nl.ago(12)) == "12 s geleden"
    assert nl.weekdays()[0] == "ma" and fr.day_label("Mon") == "lun."
    assert nl.term("positive") == "positief" and nl.term("Acme") == "Acme"


def test_a_word_missing_from_the_catalogue_is_noted_and_shown_in_english() -> None:
    i18n.MISSED.clear()
    assert Lang("nl")._("Not a word in the catalogue") == "Not a word in the catalogue"
    assert {("nl", "Not a word in the catalogue")} == i18n.MISSED
    i18n.MISSED.clear()


def test_plural_forms_follow_the_language() -> None:
    fr, nl = Lang("fr"), Lang("nl")
    assert fr.n_("+{count} more alert", "+{count} more alerts", 1) == "+1 autre alerte"
    assert fr.n_("+{count} more alert", "+{count} more alerts", 0) == "+0 autre alerte"
    assert nl.n_("+{count} more alert", "+{count} more alerts", 2) == "+2 andere meldingen"


def test_a_screen_locale_overrides_the_wall_and_a_bad_one_is_refused(qapp: QApplication) -> None:
    layout = parse_layout(
        "theme: {locale: nl-NL, timezone: Europe/Amsterdam}\n"
        "screens:\n"
        "  - {name: a, match: {index: 0}, pages: [{title: P}]}\n"
        "  - {name: b, match: {index: 1}, locale: fr-BE, pages: [{title: P}]}\n"
    )
    a, b = layout.screens
    wall = Style.for_screen(layout.theme, 1920, 1080, locale=a.locale, timezone=a.timezone)
    paris = Style.for_screen(layout.theme, 1920, 1080, locale=b.locale, timezone=b.timezone)
    assert (wall.lang.tag, paris.lang.tag) == ("nl-NL", "fr-BE")
    assert paris.lang.zone is not None and paris.lang.zone.key == "Europe/Amsterdam"
    with pytest.raises(LayoutError, match="no 'pt' catalogue"):
        parse_layout("theme: {locale: pt-BR}\nscreens: []\n")
    with pytest.raises(LayoutError, match="not a time zone"):
        parse_layout("theme: {timezone: Europe/Amsterdm}\nscreens: []\n")


def in_language(layout: Layout, tag: str) -> Layout:
    return layout.model_copy(update={"theme": layout.theme.model_copy(update={"locale": tag})})


@pytest.mark.parametrize("path", LAYOUTS, ids=[path.stem for path in LAYOUTS])
def test_every_example_layout_draws_every_word_in_every_language(
    path: Path, qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shot, "SETTLE_SECONDS", 0.05)
    layout = load_layout(path)
    i18n.MISSED.clear()
    for language in LANGUAGES:
        out = tmp_path / language
        shots = functools.partial(
            shot.take_shots, in_language(layout, language), out, seconds=1.0, sizes={}
        )
        written = in_qt_loop(qapp, functools.partial(shots, all_pages=True))
        assert written
    assert not i18n.MISSED, f"not in the catalogue: {sorted(i18n.MISSED)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_identify_page_and_takeover_banner_are_translated(
    language: str, qapp: QApplication
) -> None:
    i18n.MISSED.clear()
    style = Style.for_screen(Layout().theme, 1920, 1080, locale=language)
    image = QImage(QSize(1920, 1080), QImage.Format.Format_RGB32)
    painter = QPainter(image)
    monitor = Monitor(index=1, connector="HDMI-1", serial="X1")
    paint_identify(painter, image.size(), monitor, style, style.lang._(NOT_ASSIGNED))
    painter.end()
    rule = TakeoverRule(takeover(name="Escalated_to_execs"), hub=None)  # type: ignore[arg-type]
    firing = rule._firing(_metric())
    assert firing is not None
    rule._reason = firing
    banner = rule.banner_for(style.lang)
    assert banner.startswith("Escalated to execs · ")  # the name with spaces, never underscores
    if language == "nl":
        assert banner.endswith("(boven 0)")
    assert not i18n.MISSED


def test_a_takeover_title_and_its_figure_are_what_the_room_reads() -> None:
    config = takeover(name="esc", title="Escalated to the executive team")
    rule = TakeoverRule(config, hub=None)  # type: ignore[arg-type]
    rule._reason = rule._firing(_metric())
    assert rule.banner_for(Lang("fr")) == "Escalated to the executive team · 1"
    assert re.fullmatch(r"Escalated to the executive team · .+", rule_banner_in_log(rule))


def rule_banner_in_log(rule: TakeoverRule) -> str:
    assert rule._reason is not None
    return f"{rule.title} · {rule._reason(i18n.ENGLISH)}"


def takeover(**fields: str) -> Takeover:
    when = {"stream": "s.level", "above": 0}
    return Takeover.model_validate({**fields, "when": when, "page": {"title": "Crisis"}})


def _metric() -> Metric:
    return Metric(value=1.0, label="esc.execs_level")


def test_format_reads_figures_the_rooms_way() -> None:
    from kiosk.widgets.format import figure

    nl, fr = Lang("nl-NL"), Lang("fr")
    assert figure(0.4213, "percent", 1, None, nl) == "42,1%"
    assert plain(figure(42.0, "percent", 0, 1.0, fr)) == "42 %"
    assert figure(1_234_567.0, "number", 0, None, nl) == "1.234.567"
    assert plain(figure(1_234_567.0, "compact", 0, None, nl)) == "1,2 mln."
    assert figure(0.4213, "percent", 1) == "42.1 %"  # without a room: as before


def test_ages_are_formatted_once_and_the_kept_texts_stay_bounded() -> None:
    """Every panel asks for its age once a second: the answer is kept, not asked of babel again,
    and a wall up for weeks (ages in days, each a new text) does not keep them all."""
    from kiosk.i18n import Lang, _ago_text

    _ago_text.cache_clear()
    lang = Lang("fr")
    assert lang.ago(12.7) == lang.ago(12.2) == Lang("fr").ago(12.0) == "il y a 12\xa0s"
    assert _ago_text.cache_info().misses == 1  # formatted once, for three asks
    for seconds in range(0, 86_400 * 900, 86_400):  # 900 different day counts
        assert lang.ago(seconds) == _ago_text.__wrapped__(lang.locale, float(seconds))
    info = _ago_text.cache_info()
    assert info.maxsize is not None and info.currsize <= info.maxsize


def test_figures_are_formatted_once_per_locale_and_the_kept_texts_stay_bounded() -> None:
    """A ranking formats its ten values at every repaint (twice): babel answers each figure
    once per locale; the rooms' ways stay apart, and the kept texts are bounded."""
    from babel.numbers import format_decimal

    from kiosk.i18n import FIGURES_KEPT, _compact_text, _number_text, _percent_text

    for kept in (_number_text, _compact_text, _percent_text):
        kept.cache_clear()
    nl, en = Lang("nl-NL"), Lang("en")
    for _ in range(3):
        assert nl.number(1234.5, 1) == "1.234,5" and en.number(1234.5, 1) == "1,234.5"
        assert plain(nl.compact(98_765.0)) == "98,8K" and en.compact(98_765.0) == "98.8K"
        assert nl.percent(0.123) == "12,3%" and en.percent(0.123) == "12.3%"
    assert _number_text.cache_info().misses == 2  # one text per locale, for three asks each
    assert _compact_text.cache_info().misses == 2
    assert _percent_text.cache_info().misses == 2
    assert nl.number(-0.0) == nl.number(0.0) == "0"  # not "-0"
    for value in range(FIGURES_KEPT + 100):  # a figure a second for weeks: not all kept
        assert en.number(value) == format_decimal(value, format="#,##0", locale=en.locale)
    assert _number_text.cache_info().currsize <= FIGURES_KEPT
