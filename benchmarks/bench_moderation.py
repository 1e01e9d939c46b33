"""How well the public-screen Moderator hides what it must, and how fast.

Reads eval/moderation/<part>/<lang>.jsonl (fields id, text, lang, label hide|ok, kind, and
``repeat`` for a post whose copies were posted before it) and prints per language the share of
must-hide posts hidden (recall) and of harmless posts hidden, with 95 % Wilson intervals, the
misses, and posts/s of ``Moderator.allow`` on one core.

The ``test`` part is never tuned on: tune on ``dev`` only, and run ``--part test`` to report
(it prints figures only, never the test posts).

    .venv/bin/python benchmarks/bench_moderation.py --part dev
    .venv/bin/python benchmarks/bench_moderation.py --part test --quiet
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.analytics.moderation import Moderator
from kiosk.values import Mention

EVAL = Path(__file__).resolve().parents[1] / "eval" / "moderation"
LANGUAGES = ("en", "nl", "fr", "it")


@dataclass(frozen=True)
class Case:
    mention: Mention
    hide: bool
    kind: str
    repeat: int


def wilson(hits: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of ``hits / total``."""
    if total == 0:
        return (0.0, 1.0)
    share = hits / total
    centre = share + z * z / (2 * total)
    spread = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
    denominator = 1 + z * z / total
    return (max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator))


def load(part: str, lang: str) -> list[Case]:
    cases = []
    for line in (EVAL / part / f"{lang}.jsonl").read_text("utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        mention = Mention(
            id=record["id"],
            at=1_700_000_000.0,
            brand="Acme",
            text=record["text"],
            lang=record["lang"],
            platform="x",
            author="Eval Author",
            handle="eval_author",
            followers=100,
            sentiment=0.0,
        )
        cases.append(
            Case(mention, record["label"] == "hide", record["kind"], int(record.get("repeat", 0)))
        )
    return cases


def judge(cases: list[Case]) -> list[tuple[Case, str | None]]:
    """Each case with the Moderator's reason, its earlier copies posted first."""
    moderator = Moderator()
    results = []
    for case in cases:
        for copy in range(case.repeat):
            earlier = Mention(
                **{
                    **{field: getattr(case.mention, field) for field in Mention.__slots__},
                    "id": f"{case.mention.id}-copy{copy}",
                    "handle": f"copycat{copy}",
                }
            )
            moderator.allow(earlier)
        verdict = moderator.verdict(case.mention) if hasattr(moderator, "verdict") else None
        reason = moderator.reason(case.mention)
        detail = f"{verdict[0]}: {verdict[1]}" if verdict else reason
        results.append((case, detail))
    return results


def speed(cases: list[Case], rounds: int = 20) -> tuple[float, float]:
    """Posts/s of Moderator.allow over the cases, a fresh Moderator per round: by the wall
    clock, and by this process's CPU time (what one free core would do on a busy machine)."""
    mentions = [case.mention for case in cases]
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        moderator = Moderator()
        for mention in mentions:
            moderator.allow(mention)
    posts = rounds * len(mentions)
    return posts / (time.perf_counter() - start), posts / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("dev", "test"), default="dev")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="figures and kinds only, no posts (always so for --part test)",
    )
    args = parser.parse_args()
    everything: list[Case] = []
    quiet = args.quiet or args.part == "test"  # the test part's posts are not for reading
    print(f"part: {args.part}{' (never tuned on)' if args.part == 'test' else ' (tuning set)'}")
    for lang in LANGUAGES:
        cases = load(args.part, lang)
        everything += cases
        results = judge(cases)
        must = [(case, reason) for case, reason in results if case.hide]
        fine = [(case, reason) for case, reason in results if not case.hide]
        caught = sum(reason is not None for _, reason in must)
        wrongly = sum(reason is not None for _, reason in fine)
        low, high = wilson(caught, len(must))
        flow, fhigh = wilson(wrongly, len(fine))
        print(
            f"{lang}: must-hide hidden {caught}/{len(must)} = {caught / len(must):.0%} "
            f"[{low:.0%}–{high:.0%}]   harmless hidden {wrongly}/{len(fine)} = "
            f"{wrongly / len(fine):.0%} [{flow:.0%}–{fhigh:.0%}]"
        )
        missed = Counter(case.kind for case, reason in must if reason is None)
        wrong = Counter(case.kind for case, reason in fine if reason is not None)
        if missed or wrong:
            print("   missed by kind:", dict(missed), "  harmless hidden by kind:", dict(wrong))
        if quiet:
            continue
        for case, reason in must:
            if reason is None:
                print(f"   MISS  {case.kind:14} {case.mention.text}")
        for case, reason in fine:
            if reason is not None:
                print(f"   FALSE {case.kind:14} {case.mention.text}   <- {reason}")
    wall, cpu = speed(everything)
    print(
        f"speed: {wall:,.0f} posts/s of Moderator.allow by the clock, {cpu:,.0f} per CPU second "
        f"({len(everything)} posts, one thread)"
    )


if __name__ == "__main__":
    main()
