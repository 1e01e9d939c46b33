"""``type: file``: streams read out of a local JSON or CSV file, read again when it changes.

The file's modification time (and size) is checked every ``interval``; only a change reads it
again. ``streams:`` is the same mapping as ``http_json``'s (kind + JMESPath ``path``).

A CSV file reads as a list of rows, one object per row keyed by the header line; cells that look
like numbers are numbers, empty cells are null. The delimiter (``,``, ``;`` or tab) is detected.
So, for ::

    time,Acme,Globex
    2025-01-06T10:00:00Z,12,7
    2025-01-06T11:00:00Z,15,9

``{kind: series, path: "@", time: time, values: {Acme: Acme, Globex: Globex}}`` gives a series
per column, and ``{kind: metric, path: "[-1].Acme"}`` the last row's figure. A ranking reads
``label,value`` rows with ``{kind: ranking, path: "@"}``. Headers with spaces are quoted in
JMESPath: ``'"Share %"'``.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from kiosk.config.types import LocalFile
from kiosk.lazy import lazy_import
from kiosk.sources.base import SourceOptions, register
from kiosk.sources.http_json import StreamMapping, StreamSpecs
from kiosk.sources.parsing import DATA_ERRORS, describe, parse_off_loop
from kiosk.sources.polling import FetchError, PollingOptions, PollingSource, PollInterval
from kiosk.values import Kind

if TYPE_CHECKING:
    import csv
else:
    csv = lazy_import("csv")  # a wall without CSV files does not load it

SUFFIXES = {".json": "json", ".csv": "csv"}
MAX_BYTES = 10_000_000  # as an HTTP source's default: a larger file is refused, not read


class FileOptions(PollingOptions):
    type: Literal["file"] = "file"
    path: LocalFile = Field(
        description="The JSON or CSV file; relative to the layout file, inside its folder or one "
        "allowed under files: allow:."
    )
    format: Literal["json", "csv"] | None = Field(
        default=None, description="json or csv; by default from the file name's extension."
    )
    streams: StreamSpecs = Field(
        min_length=1, description="Stream name → kind and JMESPath into the file's data."
    )
    interval: PollInterval = Field(default=5.0, description="How often to look for a change.")

    @model_validator(mode="after")
    def _format_known(self) -> FileOptions:
        if self.format is None and self.path.suffix.lower() not in SUFFIXES:
            raise ValueError(f"{self.path.name}: say format: json or format: csv")
        return self

    @property
    def file_format(self) -> str:
        return self.format or SUFFIXES[self.path.suffix.lower()]


def _cell(text: str | None) -> Any:
    if text is None or not text.strip():
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return (
        int(number)
        if number.is_integer() and "." not in text and "e" not in text.lower()
        else number
    )


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows as objects keyed by the header, with numbers for numeric cells."""
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    return [
        {str(key).strip(): _cell(value) for key, value in row.items() if key is not None}
        for row in reader
    ]


def parse_document(data: bytes, file_format: str) -> Any:
    """The file's data as JSON values; FetchError when it cannot be read as ``file_format``."""
    try:
        text = data.decode("utf-8-sig")  # a BOM, as spreadsheet programs write it, is not data
        return json.loads(text) if file_format == "json" else parse_csv(text)
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as error:
        raise FetchError(f"not {file_format.upper()} ({error})") from None
    except DATA_ERRORS as error:  # nested too deeply, a number of over 4,300 digits
        raise FetchError(f"unreadable {file_format.upper()} ({describe(error)})") from None


def _read_at_most(path: Path, size: int) -> bytes:
    """The file's first ``size`` + 1 bytes: one more than allowed tells it is too big."""
    with path.open("rb") as file:
        return file.read(size + 1)


@register("file")
class FileSource(PollingSource):
    """Publishes ``streams:`` from a local file, read again whenever it changes."""

    options_model = FileOptions
    options: FileOptions

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mapping = StreamMapping(self.options.streams)
        self._read_version: tuple[int, int] | None = None  # (mtime ns, size) of what was read

    @classmethod
    def provides(cls, options: SourceOptions) -> dict[str, Kind]:
        assert isinstance(options, FileOptions)
        return {name: Kind(spec.kind) for name, spec in options.streams.items()}

    async def poll(self) -> None:
        path = self.options.path
        try:
            async with asyncio.timeout(self.options.timeout):  # a hung network share
                stat = await asyncio.to_thread(path.stat)
                version = (stat.st_mtime_ns, stat.st_size)
                data = (
                    None
                    if version == self._read_version
                    else await asyncio.to_thread(_read_at_most, path, MAX_BYTES)
                )
        except TimeoutError:
            raise FetchError(f"{path.name} not readable within {self.options.timeout:g}s") from None
        except OSError as error:
            raise FetchError(f"cannot read {path.name}: {error.strerror or error}") from None
        if data is None:  # unchanged: the same data, confirmed current
            self.mapping.confirm(self)
            return
        if len(data) > MAX_BYTES:
            raise FetchError(f"{path.name} is larger than {MAX_BYTES:,} bytes")
        timeout = self.options.timeout
        document = await parse_off_loop(timeout, parse_document, data, self.options.file_format)
        self._read_version = version
        self.mapping.apply(self, document)
