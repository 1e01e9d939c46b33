"""``type: file``: JSON and CSV files, read again when their modification time changes."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kiosk.config import LayoutError, parse_layout
from kiosk.hub import Hub, SourceState
from kiosk.sources.file import FileOptions, FileSource, parse_csv
from kiosk.values import Metric, Ranking, TimeSeries

T0 = 1_736_157_600.0  # 2025-01-06 10:00:00 UTC


class Polls:
    """A fake clock and sleep: between polls, runs the next change; after the last, stops.

    Records the source's state after each poll in ``states``.
    """

    def __init__(self, *changes: Any) -> None:
        self.now = T0
        self.changes = list(changes)
        self.hub = Hub(clock=self.clock)
        self.states: list[SourceState] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.states.append(self.hub.status("data").state)
        if not self.changes:
            raise asyncio.CancelledError
        self.changes.pop(0)()
        self.now += seconds


def run_file(path: Path, streams: dict[str, Any], polls: Polls, **options: Any) -> Hub:
    settings = {"type": "file", "path": str(path), "streams": streams, **options}
    source = FileSource(
        "data",
        FileOptions.model_validate(settings),
        polls.hub,
        sleep=polls.sleep,
        jitter=lambda: 1.0,
        cache_dir=path.parent,
    )
    source.declare()
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(source.run())
    return polls.hub


def write(path: Path, text: str, mtime: float) -> None:
    """Write ``text`` and set the modification time (file systems may have coarse clocks)."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))


def value(hub: Hub, stream: str) -> Any:
    sample = hub.sample(stream)
    assert sample is not None, f"{stream} has no value"
    return sample.value


def test_a_json_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "stats.json"
    write(path, json.dumps({"visitors": 10}), T0 - 100)
    polls = Polls(
        lambda: write(path, json.dumps({"visitors": 20}), T0 - 50),
        # Same size, same time: not noticed, by design (only mtime and size are looked at).
        lambda: write(path, json.dumps({"visitors": 99}), T0 - 50),
        lambda: None,
    )
    hub = run_file(path, {"visitors": {"kind": "metric", "path": "visitors"}}, polls)
    sample = hub.sample("data.visitors")
    assert sample is not None
    # Read twice (10, then 20); the unchanged file is confirmed, not read again: no 99, and
    # no figure added to the history.
    assert sample.value == Metric(20.0, None, (10.0, 20.0))
    assert sample.at == T0 + 15  # confirmed at each look, 5 s apart
    assert polls.states == [SourceState.OK] * 4


def test_a_missing_or_half_written_file_keeps_the_last_values(tmp_path: Path) -> None:
    path = tmp_path / "stats.json"
    write(path, json.dumps({"visitors": 10, "note": "hi"}), T0 - 100)
    polls = Polls(
        lambda: write(path, '{"visitors": 3', T0 - 90),
        path.unlink,
        lambda: write(path, json.dumps({"visitors": 30, "note": "back"}), T0 - 80),
    )
    streams = {
        "visitors": {"kind": "metric", "path": "visitors"},
        "note": {"kind": "text", "path": "note"},
    }
    hub = run_file(path, streams, polls)
    assert polls.states == [SourceState.OK, SourceState.STALE, SourceState.STALE, SourceState.OK]
    assert value(hub, "data.note") == "back"
    assert value(hub, "data.visitors").history == (10.0, 30.0)  # nothing from the broken reads


def test_a_csv_file_gives_series_rankings_and_figures(tmp_path: Path) -> None:
    path = tmp_path / "hourly.csv"
    path.write_text(
        "time;Acme;Globex;tag;count\n"
        "2025-01-06T08:00:00Z;12;7;#acme;40\n"
        "2025-01-06T09:00:00Z;15;;#launch;55\n"
        "2025-01-06T10:00:00Z;18.5;9;#rain;3\n",
        encoding="utf-8-sig",  # a BOM, as spreadsheets write it
    )
    streams = {
        "volume": {
            "kind": "series",
            "path": "@",
            "time": "time",
            "values": {"Acme": "Acme", "Globex": "Globex"},
        },
        "tags": {"kind": "ranking", "path": "@", "label": "tag", "value": "count", "top": 2},
        "latest": {"kind": "metric", "path": "[-1].Acme", "previous": "[-2].Acme"},
    }
    hub = run_file(path, streams, Polls())
    series: TimeSeries = value(hub, "data.volume")
    assert (series.labels, series.start, series.step) == (("Acme", "Globex"), T0 - 7200, 3600.0)
    np.testing.assert_array_equal(series.values, [[12, 15, 18.5], [7, np.nan, 9]])
    ranking: Ranking = value(hub, "data.tags")
    assert [(e.label, e.value) for e in ranking.entries] == [("#launch", 55.0), ("#acme", 40.0)]
    assert value(hub, "data.latest") == Metric(18.5, 15.0, (18.5,))


def test_csv_cells_become_numbers_text_or_null() -> None:
    assert parse_csv("a,b,c,d\n1,2.50,x,\n") == [{"a": 1, "b": 2.5, "c": "x", "d": None}]
    assert parse_csv("label\tvalue\nx\t3\n") == [{"label": "x", "value": 3}]


def test_a_relative_path_is_read_from_the_layout_folder(tmp_path: Path) -> None:
    settings = {
        "type": "file",
        "path": "data/x.json",
        "streams": {"t": {"kind": "text", "path": "a"}},
    }
    options = FileOptions.model_validate(settings, context={"base": tmp_path})
    assert options.path == tmp_path / "data" / "x.json"
    assert options.file_format == "json"


def test_a_file_without_a_known_extension_needs_a_format() -> None:
    text = (
        "sources:\n  data: {type: file, path: x.txt, streams: {t: {kind: text, path: a}}}\n"
        "screens: [{name: a, match: {any: true}, pages: [{title: P}]}]\n"
    )
    with pytest.raises(LayoutError) as caught:
        parse_layout(text)
    [issue] = caught.value.issues
    assert (issue.path, issue.message) == ("sources.data", "x.txt: say format: json or format: csv")
    assert (
        parse_layout(text.replace("x.txt,", "x.txt, format: csv,")).sources["data"].type == "file"
    )
