"""Property: whatever a layout file holds, the loader answers with a Layout or a LayoutError.

A short deterministic run of the mutations in ``tests/layout_mutations.py``; the long one is
``python benchmarks/fuzz_layout.py --examples 100000``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from kiosk.config import Layout, LayoutError
from tests.layout_mutations import layout_files, load_bytes, prepare_folder


@pytest.fixture(scope="module")
def layout_file() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield prepare_folder(Path(folder))


@settings(
    max_examples=200,
    derandomize=True,  # the same 200 layouts on every run: a failure here is reproducible
    database=None,
    deadline=timedelta(seconds=5),  # the largest mutated layout loads in well under 1 s
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=layout_files())
def test_a_mutated_layout_is_loaded_or_refused_with_positions(
    layout_file: Path, raw: bytes
) -> None:
    answer = load_bytes(raw, layout_file)
    assert isinstance(answer, Layout | LayoutError)
    if isinstance(answer, LayoutError):
        assert answer.issues
        assert all(issue.line >= 1 and issue.col >= 1 for issue in answer.issues)
        answer.render()
