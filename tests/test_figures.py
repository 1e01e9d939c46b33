"""Figures as people read them: a series folded into one figure (total: 7d, mean: 24h),
figures computed by a formula (metrics:), targets on charts and leaderboards."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from kiosk.analytics.expressions import attach_metrics
from kiosk.analytics.folding import fold
from kiosk.config import load_layout
from kiosk.config.errors import LayoutError
from kiosk.config.metrics import Formula, FormulaError, MetricFormula
from kiosk.config.widgets import GaugeOptions, KpiOptions, LeaderboardOptions, TimeseriesOptions
from kiosk.hub import Hub, SourceState
from kiosk.values import Kind, Metric, RankEntry, Ranking, TimeSeries
from tests import test_widgets
from tests.test_widgets import NOW, _style, make  # noqa: F401 (_style: the shared Style)

HOUR = 3600.0


@pytest.fixture
def hub() -> Hub:
    hub = Hub(clock=lambda: NOW)
    for name, kind in {"s.volume": Kind.SERIES, "s.tags": Kind.RANKING}.items():
        hub.declare(name, kind)
    return hub


def hourly(days: int, per_hour: tuple[float, float] = (2.0, 1.0)) -> TimeSeries:
    """Two series of ``days`` days of hours, the last hour ending now."""
    hours = days * 24
    values = np.array([[per_hour[0]] * hours, [per_hour[1]] * hours], dtype=np.float64)
    return TimeSeries(("Acme", "Globex"), NOW - hours * HOUR, HOUR, values)


# -- total: / mean: --------------------------------------------------------------------------


def test_a_total_sums_every_series_over_the_window_against_the_window_before() -> None:
    metric = fold(hourly(14), 7 * 86400, "total")
    assert metric.value == 7 * 24 * 3.0
    assert metric.previous == 7 * 24 * 3.0
    assert len(metric.history) == 7 * 24 and metric.history[0] == 3.0


def test_a_mean_is_per_bucket_and_no_previous_before_the_data_began() -> None:
    metric = fold(hourly(1, (4.0, 0.0)), 86400, "mean")
    assert metric.value == 4.0
    assert metric.previous is None  # the day before was never seen: no change is invented


def test_nan_buckets_count_as_nothing_and_an_empty_series_is_no_figure() -> None:
    series = hourly(1)
    values = series.values.copy()
    values[0, :12] = np.nan
    metric = fold(TimeSeries(series.labels, series.start, series.step, values), 86400, "total")
    assert metric.value == 12 * 2.0 + 24 * 1.0
    empty = TimeSeries(("a",), NOW, 60.0, np.zeros((1, 0)))
    assert math.isnan(fold(empty, 3600, "total").value)


def test_a_kpi_shows_the_total_of_a_series(qtbot: QtBot, hub: Hub) -> None:
    """Crisis room: "press hits this week" from an hourly series."""
    widget = make(qtbot, hub, KpiOptions(at=(0, 0, 4, 2), data="s.volume", total="7d"))
    hub.publish("s.volume", hourly(14))
    widget.refresh()
    assert widget.value_text() == "504"
    assert widget.change_text() is not None
    assert widget.change_text()[0].startswith("= ")  # the same as the week before


def test_a_gauge_shows_the_mean_of_a_series(qtbot: QtBot, hub: Hub) -> None:
    options = GaugeOptions(at=(0, 0, 4, 3), data="s.volume", mean="24h", max=10, target=2)
    widget = make(qtbot, hub, options)
    hub.publish("s.volume", hourly(2))
    widget.refresh()
    assert widget.value_text(widget.sample.value.value) == "3"
    assert widget.meets_target(widget.sample.value.value) is True


def test_total_and_mean_together_are_refused() -> None:
    with pytest.raises(ValueError, match="total: and mean: both fold the series"):
        KpiOptions(at=(0, 0, 4, 2), data="s.volume", total="7d", mean="1d")


def write(tmp_path: Path, widgets: str, extra: str = "") -> Path:
    path = tmp_path / "wall.yaml"
    path.write_text(
        textwrap.dedent(
            """
            sources:
              social: {type: demo, brands: [Acme, Globex]}
            """
        )
        + textwrap.dedent(extra)
        + "screens:\n  - name: main\n    match: {any: true}\n    pages:\n      - title: P\n"
        + "        widgets:\n"
        + textwrap.indent(textwrap.dedent(widgets), " " * 10)
    )
    return path


def test_check_says_a_series_needs_folding_and_a_metric_none(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        - {type: kpi, at: [0, 0, 4, 2], data: social.volume_hourly}
        - {type: kpi, at: [4, 0, 4, 2], data: social.rate, mean: 24h}
        - {type: kpi, at: [8, 0, 4, 2], data: social.volume_hourly, total: 7d}
        """,
    )
    with pytest.raises(LayoutError) as error:
        load_layout(path)
    text = str(error.value)
    assert "social.volume_hourly is a series: fold it into one figure with total:" in text
    assert "mean: folds a series; social.rate is already one figure" in text
    assert "widgets[2]" not in text
    assert "2 errors" in text


# -- metrics: formulas -----------------------------------------------------------------------


def test_a_formula_reads_the_streams_it_names_and_computes() -> None:
    formula = Formula("care.answered_1h / care.answered * 100")
    assert formula.streams == ("care.answered_1h", "care.answered")
    assert formula.evaluate({"care.answered_1h": 43, "care.answered": 50}) == 86.0
    with pytest.raises(ZeroDivisionError):
        formula.evaluate({"care.answered_1h": 0, "care.answered": 0})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("care.answered /", "cannot read 'care.answered /'"),
        ("answered / 2", "'answered' is no stream: write source.stream"),
        ("__import__('os').system('true')", "only min, max, abs and round are called"),
        ("open(care.answered)", "no function 'open'"),
        ("care.answered.__class__", "write a stream as source.stream"),
        ("care.answered > 3", "formulas compute, they do not compare"),
        ("9 ** 9 ** 9", "9 ** 9 ** 9"),
        ("[care.answered]", "List is not available"),
        ("'text'", "gives str, not a number"),
    ],
)
def test_a_formula_refuses_what_is_no_arithmetic(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=None) as error:
        Formula(text)
    assert message in str(error.value)


def test_check_reports_bad_formulas_at_their_place(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- {type: kpi, at: [0, 0, 4, 2], data: metrics.ratio}\n",
        """
        metrics:
          ratio: social.our_share / social.rate
          broken: social.rate *
          unknown: {value: social.rates / 2, unit: "%"}
          a_series: social.volume + 1
          loop: metrics.ratio * 2
        """,
    )
    with pytest.raises(LayoutError) as error:
        load_layout(path)
    text = str(error.value)
    assert "metrics.broken" in text and "cannot read 'social.rate *'" in text
    assert "metrics.unknown.value" in text and "no stream 'rates'" in text
    assert "social.volume is series" in text
    assert "a formula reads sources' metrics, not other formulas" in text
    assert "metrics.ratio" not in text.split("metrics.broken")[0]  # the good one is fine


def formulas(formula: str) -> tuple[Hub, list[object]]:
    care = Hub(clock=lambda: NOW)
    for name in ("care.answered_1h", "care.answered"):
        care.declare(name, Kind.METRIC)
    running = attach_metrics(care, {"share": MetricFormula(value=formula, unit="%")})
    return care, running


def test_a_formula_is_published_once_every_input_has_a_value() -> None:
    care, _ = formulas("care.answered_1h / care.answered")
    care.publish("care.answered_1h", Metric(43, previous=40, history=(1.0, 2.0)))
    assert care.sample("metrics.share") is None  # care.answered has no value yet
    care.publish("care.answered", Metric(50, previous=50, history=(2.0, 4.0)))
    sample = care.sample("metrics.share")
    assert sample is not None
    assert sample.value == Metric(0.86, 0.8, (0.5, 0.5), "%", "care.answered_1h / care.answered")
    assert care.status("metrics").state is SourceState.OK


def test_a_division_by_zero_is_no_data_with_its_reason_and_recovers() -> None:
    care, _ = formulas("care.answered_1h / care.answered")
    care.publish("care.answered_1h", Metric(0))
    care.publish("care.answered", Metric(0))
    sample = care.sample("metrics.share")
    assert sample is not None and math.isnan(sample.value.value)
    status = care.stream_status("metrics.share")
    assert status.state is SourceState.FAILED
    assert status.detail == "no data: division by zero (care.answered_1h, care.answered is 0)"
    care.publish("care.answered", Metric(4))
    assert care.sample("metrics.share").value.value == 0.0
    assert care.stream_status("metrics.share").state is SourceState.OK


def test_a_kpi_of_a_failed_formula_shows_a_dash_and_why(qtbot: QtBot) -> None:
    care, _ = formulas("care.answered_1h / care.answered")
    widget = make(qtbot, care, KpiOptions(at=(0, 0, 4, 2), data="metrics.share", format="percent"))
    care.publish("care.answered_1h", Metric(3))
    care.publish("care.answered", Metric(0))
    widget.refresh()
    assert widget.value_text() == "–"
    assert "division by zero" in widget.trouble_text()


def test_a_layout_with_metrics_declares_their_streams(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- {type: kpi, at: [0, 0, 4, 2], data: metrics.per_minute, format: number}\n",
        "metrics:\n  per_minute: {value: 'social.rate / 60', label: mentions a second}\n",
    )
    layout = load_layout(path)
    assert layout.metrics["per_minute"].formula.streams == ("social.rate",)
    from kiosk.config import available_streams

    assert available_streams(layout)["metrics.per_minute"] is Kind.METRIC


# -- target: on timeseries and leaderboard ---------------------------------------------------


def minutes(values: list[float]) -> TimeSeries:
    count = len(values)
    return TimeSeries(("Acme",), NOW - count * 60, 60.0, np.array([values], dtype=np.float64))


def test_a_chart_draws_its_target_line_coloured_by_the_latest_value(qtbot: QtBot, hub: Hub) -> None:
    options = TimeseriesOptions(at=(0, 0, 8, 4), data="s.volume", target=400)
    widget = make(qtbot, hub, options)
    hub.publish("s.volume", minutes([100.0] * 30 + [300.0]))
    widget.refresh()
    style = test_widgets.STYLE
    assert widget.target_status == ("target 400", style.negative)
    line = widget._target_line.getData()
    assert list(line[1]) == [400.0, 400.0]
    assert widget.plot.getPlotItem().getViewBox().viewRange()[1][1] >= 400  # in view
    hub.publish("s.volume", minutes([100.0] * 30 + [500.0, 0.0]))
    widget.refresh()
    assert widget.target_status == ("target 400", style.negative)  # the bucket still filling
    hub.publish("s.volume", minutes([100.0] * 30 + [500.0]))
    widget.refresh()
    assert widget.target_status == ("target 400", style.positive)


def test_a_chart_target_can_be_a_stream_and_lower_can_be_better(qtbot: QtBot, hub: Hub) -> None:
    hub.declare("s.limit", Kind.METRIC)
    hub.publish("s.limit", Metric(150))
    options = TimeseriesOptions(
        at=(0, 0, 8, 4), data="s.volume", target="s.limit", higher_is_better=False
    )
    widget = make(qtbot, hub, options)
    hub.publish("s.volume", minutes([100.0] * 31))
    widget.refresh()
    assert widget.target_status == ("target 150", test_widgets.STYLE.positive)


def test_a_chart_without_target_draws_none(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, TimeseriesOptions(at=(0, 0, 8, 4), data="s.volume"))
    hub.publish("s.volume", minutes([100.0] * 31))
    widget.refresh()
    assert widget.target_status is None
    xs = widget._target_line.getData()[0]
    assert xs is None or len(xs) == 0


def test_a_leaderboard_colours_each_row_by_its_target(qtbot: QtBot, hub: Hub) -> None:
    """Global room: markets against the 50-mentions goal, the goal drawn across the bars."""
    options = LeaderboardOptions(at=(0, 0, 6, 4), data="s.tags", target=50)
    widget = make(qtbot, hub, options)
    ranking = Ranking((RankEntry("Benelux", 80.0, 0), RankEntry("France", 20.0, 1)))
    hub.publish("s.tags", ranking)
    widget.refresh()
    style = test_widgets.STYLE
    assert [widget.status_colour(row) for row in widget.rows()] == [style.positive, style.negative]
    with_target = widget.grab().toImage()
    plain = make(qtbot, hub, options.model_copy(update={"target": None}))
    plain.refresh()
    assert plain.status_colour(plain.rows()[0]) is None
    assert with_target != plain.grab().toImage()


def test_a_schedule_has_no_target_status(qtbot: QtBot, hub: Hub) -> None:
    widget = make(qtbot, hub, LeaderboardOptions(at=(0, 0, 6, 4), data="s.tags", target=5))
    hub.publish("s.tags", Ranking((RankEntry("Keynote", 1.8e9),), amounts=False))
    widget.refresh()
    assert widget.status_colour(widget.rows()[0]) is None
