"""Summarize a py-spy raw (collapsed) profile: the share of samples in which each
function appears (inclusive) and is on top (self), largest first.

    python bench/profile_top.py PROFILE.txt [N]
"""

from __future__ import annotations

import sys
from collections import Counter


def main(path: str, top: int) -> None:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    with open(path, encoding="utf-8") as lines:
        samples = [line.rstrip().rpartition(" ") for line in lines]
    for stack, _, count in samples:
        if not count.isdigit():  # a frame name holding a line break splits its line
            continue
        n = int(count)
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")"
            for f in stack.split(";")
        ]
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    print(f"{total} samples")
    print("inclusive:")
    for frame, n in inclusive.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {frame}")
    print("self:")
    for frame, n in own.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
