"""Embed the benchmark sets once and keep the vectors in bench/out/emb (the encoder is the slow part).

Queries are embedded on the query side; corpus items are split with review.matching.passages exactly as
the product splits them, and each passage ("<doc id>#<ord>") is embedded on the passage side. How many
passages per item are embedded is the choice the quality bench measures (title only, + lead, all).
Usage: python bench/embed_cache.py [--sets a,b] [--max-ord N]   (prints passages/s as it goes)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "out" / "emb"

from review.matching import encoder  # noqa: E402
from review.matching.passages import split_passages  # noqa: E402

FOLDERS = ("xquad_ar2en_dev", "xquad_en2ar_dev", "ans_dev", "ans_train", "ct21_ar", "ct21_en")


def _path(key: str) -> Path:
    return OUT / f"{key}.npz"


def load_cache(key: str) -> dict[str, np.ndarray]:
    """id → vector of one cache file (empty when absent)."""
    p = _path(key)
    if not p.exists():
        return {}
    z = np.load(p)
    return dict(zip(z["ids"].tolist(), z["vecs"]))


def _save(key: str, cache: dict[str, np.ndarray]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    ids = list(cache)
    tmp = _path(key).with_suffix(".tmp.npz")
    np.savez(tmp, ids=np.array(ids), vecs=np.stack([cache[i] for i in ids]) if ids else np.zeros((0, encoder.DIM)))
    tmp.replace(_path(key))


def embed_missing(key: str, texts: dict[str, str], side: str, batch: int = 32) -> dict[str, np.ndarray]:
    """Vectors for every id in ``texts``, embedding (and saving) only the ones not cached yet."""
    cache = load_cache(key)
    todo = [i for i in texts if i not in cache]
    fn = encoder.embed_queries if side == "query" else encoder.embed_passages
    t0, chars = time.perf_counter(), 0
    for k in range(0, len(todo), batch):
        ids = todo[k:k + batch]
        vecs = fn([texts[i] for i in ids])
        cache.update(zip(ids, vecs))
        chars += sum(len(texts[i]) for i in ids)
        if (k // batch) % 20 == 19 or k + batch >= len(todo):
            _save(key, cache)
            dt = time.perf_counter() - t0
            done = min(k + batch, len(todo))
            print(f"  {key}: {done}/{len(todo)} {done / dt:.1f}/s, mean {chars / done:.0f} chars", flush=True)
    return {i: cache[i] for i in texts}


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def passage_texts(corpus: list[dict], max_ord: int) -> dict[str, str]:
    """'<doc id>#<ord>' → passage text, for passages with ord ≤ max_ord."""
    out = {}
    for d in corpus:
        for p in split_passages(d.get("title") or "", d.get("body") or ""):
            if p.ord <= max_ord:
                out[f"{d['id']}#{p.ord}"] = p.text
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default=",".join(FOLDERS))
    ap.add_argument("--max-ord", type=int, default=1, help="embed passages up to this ordinal (0 = titles)")
    args = ap.parse_args()
    for folder in args.sets.split(","):
        queries = read_jsonl(DATA / folder / "queries.jsonl")
        embed_missing(f"{folder}.queries", {q["id"]: q["text"] for q in queries}, "query")
        corpus = read_jsonl(DATA / folder / "corpus.jsonl")
        embed_missing(f"{folder}.passages", passage_texts(corpus, args.max_ord), "passage")


if __name__ == "__main__":
    main()
