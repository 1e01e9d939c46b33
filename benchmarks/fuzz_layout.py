"""Fuzz the layout loader: mutated layouts in, a Layout or a LayoutError out, nothing else.

Generates layouts with ``tests/layout_mutations.py`` (the shipped layouts with values, keys
and bytes mutated) and loads each from a file, as ``kiosk check`` does. Counts payloads,
accepted layouts, refused ones, escapes (any other exception) and slow loads, and keeps the
first escapes in a folder to reproduce with ``kiosk check FILE``. Prints the machine, the
command and the time per payload.

    python benchmarks/fuzz_layout.py --examples 100000 [--seed 1] [--out fuzz-escapes]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.layout_mutations, from a checkout

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from kiosk.config import Layout  # noqa: E402
from tests.layout_mutations import layout_files, load_bytes, prepare_folder  # noqa: E402

SLOW = 2.0  # seconds: a load slower than this is reported (the loader's worst case is ~6 s)
KEPT = 10  # escapes saved to the folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("fuzz-escapes"))
    args = parser.parse_args()
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus")
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))

    times: list[float] = []
    counts = {"layout": 0, "refused": 0, "escapes": 0, "slow": 0}
    folder = Path(tempfile.mkdtemp(prefix="fuzz-layout-"))
    layout_file = prepare_folder(folder)

    @seed(args.seed)
    @settings(
        max_examples=args.examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # no shrinking: every payload is counted, escapes kept as is
        suppress_health_check=list(HealthCheck),
    )
    @given(raw=layout_files())
    def one(raw: bytes) -> None:
        start = time.perf_counter()
        try:
            answer = load_bytes(raw, layout_file)
        except Exception as error:  # an escape: what this benchmark exists to find
            counts["escapes"] += 1
            if counts["escapes"] <= KEPT:
                keep(args.out, counts["escapes"], raw, error)
            return
        finally:
            times.append(time.perf_counter() - start)
            if times[-1] > SLOW:
                counts["slow"] += 1
                keep(args.out, f"slow-{counts['slow']}", raw, None)
        counts["layout" if isinstance(answer, Layout) else "refused"] += 1

    began = time.perf_counter()
    one()
    elapsed = time.perf_counter() - began
    report(times, counts, elapsed, args.out)
    return 1 if counts["escapes"] else 0


def keep(out: Path, name: object, raw: bytes, error: BaseException | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.yaml").write_bytes(raw)
    if error is not None:
        text = "".join(traceback.format_exception(error))
        (out / f"{name}.txt").write_text(text, encoding="utf-8")


def report(times: list[float], counts: dict[str, int], elapsed: float, out: Path) -> None:
    tried = len(times)
    ordered = sorted(times)
    print(f"payloads tried: {tried} in {elapsed:.0f} s")
    print(f"  loaded as a layout: {counts['layout']}, refused with positions: {counts['refused']}")
    print(f"  escapes (anything but Layout or LayoutError): {counts['escapes']}")
    print(f"  slower than {SLOW:g} s: {counts['slow']}")
    if tried:
        print(
            f"time per payload: mean {statistics.fmean(times) * 1000:.1f} ms, "
            f"median {ordered[tried // 2] * 1000:.1f} ms, "
            f"p99 {ordered[int(tried * 0.99)] * 1000:.1f} ms, max {ordered[-1] * 1000:.0f} ms"
        )
    if counts["escapes"] or counts["slow"]:
        print(f"kept in {out}/ (reproduce: kiosk check {out}/1.yaml)")


if __name__ == "__main__":
    sys.exit(main())
