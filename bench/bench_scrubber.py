"""Scrubber cost against text length: is masking personal data linear in the text?

For each kind of text (ordinary Chinese prose with contacts in it, and adversarial texts
built to make backtracking patterns rescan: long words, runs of '@', digits with spaces,
labels without ids), the scrubber's best-of-five time is measured at 1,000 to 100,000
characters and printed as the cost per character relative to the same text at 1,000
characters (the baseline, measured in the same run). A linear scrubber stays near 1.0 at
every length; a quadratic one grows with the length (100x at 100,000 characters).
Target: every ratio below 5 (noise on a busy 2-core machine reaches 2-3; a quadratic scrubber
would show 25x at 25,000 and 100x at 100,000).

    python -m bench.bench_scrubber
"""

from __future__ import annotations

import argparse
import time

from linli.requests.domain.scrubber import scrub

TEXTS = {
    "prose with contacts": (
        "我是王秀英，住在东山社区12幢，电话１３８ ００１３ ８０００，邮箱 wang@example.cn，微信号 wxid_abc123。"
    ),
    "one long word": "a",
    "word then @": "a.",
    "runs of @": "a@",
    "digits and spaces": "1 ",
    "messaging labels": "微信号:",
    "invisible digits": "１\u200b",
}
LENGTHS = (1_000, 4_000, 16_000, 64_000, 100_000)
KNOWN = ("王秀英", "东山社区12幢")


def cost(text: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        scrub(text, KNOWN)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("Scrubber cost per character relative to 1,000 characters of the same text (best of", args.repeats, "runs)")
    print(f"  {'text':<22}" + "".join(f"{n:>12,}" for n in LENGTHS) + "   (ms at 100,000)")
    worst = 0.0
    for name, unit in TEXTS.items():
        per_char = []
        for length in LENGTHS:
            text = (unit * (length // len(unit) + 1))[:length]
            per_char.append(cost(text, args.repeats) / length)
        ratios = [c / per_char[0] for c in per_char]
        worst = max(worst, *ratios)
        millis = per_char[-1] * LENGTHS[-1] * 1000
        print(f"  {name:<22}" + "".join(f"{r:>12.2f}" for r in ratios) + f"   {millis:8.1f}")
    print(f"worst ratio {worst:.2f} (target < 5: {'met' if worst < 5 else 'NOT met'})")


if __name__ == "__main__":
    main()
