"""Fuzz every parser long: payloads tried, escapes (undeclared errors), time per payload.

    .venv/bin/python benchmarks/fuzz_parsers.py --examples 100000 [--seconds 120] [--only ics]

The payloads are tests/fuzz_payloads.py's. The first few inputs that made a parser raise an
undeclared error are written to ``--out`` (default fuzz-escapes/), one file per input.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import traceback
import warnings
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.fuzz_payloads

import contextlib

from tests.fuzz_payloads import PARSERS, Parser

KEPT = 5  # failing inputs saved per parser


class _OutOfTimeError(Exception):
    pass


def fuzz(name: str, parser: Parser, examples: int, seconds: float, out: Path) -> None:
    times: list[float] = []
    escapes: list[str] = []
    stop_at = time.monotonic() + seconds

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(parser.payloads)
    def run(body: bytes) -> None:
        if time.monotonic() > stop_at:
            raise _OutOfTimeError
        started = time.perf_counter()
        try:
            parser.feed(body)
        except parser.declared:
            pass
        except Exception as error:
            escapes.append(f"{type(error).__name__}: {str(error)[:80]}")
            if len(escapes) <= KEPT:
                out.mkdir(parents=True, exist_ok=True)
                (out / f"{name}-{len(escapes)}.bin").write_bytes(body)
                (out / f"{name}-{len(escapes)}.txt").write_text(traceback.format_exc())
        times.append(time.perf_counter() - started)

    with contextlib.suppress(_OutOfTimeError):
        run()
    mean = statistics.fmean(times) * 1000 if times else 0.0
    worst = max(times, default=0.0) * 1000
    first = f"  first: {escapes[0]}" if escapes else ""
    print(
        f"{name:20} {len(times):9,} {len(escapes):8,} {mean:9.2f} {worst:9.1f}{first}", flush=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="payloads per parser")
    parser.add_argument("--seconds", type=float, default=float("inf"), help="at most, per parser")
    parser.add_argument("--only", action="append", choices=sorted(PARSERS), help="these parsers")
    parser.add_argument("--out", type=Path, default=Path("fuzz-escapes"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # feedparser's deprecation notes, once per payload
    print(f"{'parser':20} {'payloads':>9} {'escapes':>8} {'mean ms':>9} {'max ms':>9}")
    for name in args.only or sorted(PARSERS):
        fuzz(name, PARSERS[name], args.examples, args.seconds, args.out)


if __name__ == "__main__":
    main()
