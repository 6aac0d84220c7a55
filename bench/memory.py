"""Load a saved index in a fresh process and report how long it took and how much memory it holds.

Run as ``python -m bench.memory DIR``; prints one JSON object. A fresh process, so the resident-set growth is
the index's own (FAISS structures and the id table), not leftovers of whatever built it. The files are
usually in the page cache (they were just written), so ``load_s`` is a warm-cache figure.
"""

from __future__ import annotations

import gc
import json
import sys
import time


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(directory: str) -> dict:
    import faiss  # noqa: F401 - imported before measuring, as the service has it loaded
    import numpy as np  # noqa: F401

    from indexes import VectorIndex

    gc.collect()
    before = _rss()
    started = time.perf_counter()
    index, manifest = VectorIndex.load(directory)
    load_s = time.perf_counter() - started
    gc.collect()
    grown = _rss() - before
    return {"load_s": round(load_s, 3), "count": len(index), "rss_bytes": grown,
            "bytes_per_vector": round(grown / max(len(index), 1), 1), "spec": manifest.spec.describe()}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
