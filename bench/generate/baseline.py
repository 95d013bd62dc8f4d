#!/usr/bin/python3
"""Baseline client for bench/generate: what a data team would write in an afternoon.

Reads request bodies (one JSON object per line), POSTs each to an
OpenAI-compatible /chat/completions endpoint from a thread pool with urllib,
retrying 429/5xx/connection errors a few times, and appends every reply to a
JSONL file. Prints one line: requests, completed, failed, wall seconds and CPU
seconds of this process.

usage: baseline.py BODIES.jsonl URL OUT.jsonl [--concurrency 64]
"""
import argparse
import json
import os
import resource
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bodies")
    ap.add_argument("url")
    ap.add_argument("out")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--max-attempts", type=int, default=5)
    args = ap.parse_args()

    with open(args.bodies, "rb") as f:
        bodies = [line.rstrip(b"\n") for line in f if line.strip()]
    headers = {"Content-Type": "application/json"}
    key = os.environ.get("VLIT_API_KEY") or os.environ.get("OPENAI_API_KEY")
    if key:
        headers["Authorization"] = "Bearer " + key
    lock = threading.Lock()
    out = open(args.out, "w", encoding="utf-8")
    counts = {"ok": 0, "failed": 0}

    def one(i):
        for attempt in range(args.max_attempts):
            try:
                req = urllib.request.Request(args.url, data=bodies[i], headers=headers, method="POST")
                with urllib.request.urlopen(req, timeout=120) as resp:
                    reply = json.loads(resp.read())
                with lock:
                    out.write(json.dumps({"request": i, "reply": reply}) + "\n")
                    out.flush()
                    counts["ok"] += 1
                return
            except urllib.error.HTTPError as e:
                if e.code != 429 and e.code < 500:
                    break
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(min(30, 0.5 * 2 ** attempt))
        with lock:
            counts["failed"] += 1

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(one, range(len(bodies))))
    out.close()
    wall = time.monotonic() - start
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(f"requests {len(bodies)} completed {counts['ok']} failed {counts['failed']} "
          f"wall {wall:.3f} cpu {ru.ru_utime + ru.ru_stime:.3f}")


if __name__ == "__main__":
    sys.exit(main())
