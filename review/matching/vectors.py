"""Vectors in the same SQLite file: int8-quantised, searched in process through an inverted file (IVF).

Why not sqlite-vec: Python's sqlite3 module here (and in many Python builds) cannot load extensions, so a
``vec0`` table would not open. A plain table keeps vectors in the database file, inside the same transactions
as the rows they describe, and backups carry them.

Search: each process keeps the int8 codes in memory (384 bytes a vector), grouped by cell, and brings them up
to date from the table (new rows by id; a full reload after deletions, counted in ``vector_epoch``).
- Up to IVF_MIN vectors of a kind: exact, every vector scored (a few ms at 20k).
- Beyond: ``build_cells`` (run by the embedding job) trains k-means centroids (√N cells, stored in
  ``vector_cells``) and files every vector under its nearest centroid; a query scores the NPROBE cells nearest
  it exactly, plus any vectors not filed yet. Cost grows with √N, not N.
Sign-bit (binary) codes were tried first: with e5 vectors their Hamming top 400 held only 56% (83% after
centring) of the true top 20 among 4k passages, and a Hamming scan of 1M codes took ~200 ms here.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from functools import cache
from dataclasses import dataclass, field

import numpy as np
from sqlite_utils import Database

from review.matching import encoder
from review.matching.dbkey import database_key

IVF_MIN = 20_000  # below this many vectors of a kind, search is exact
NPROBE = 24  # cells scored per query
TRAIN_PER_CELL = 40  # k-means trains on at most this many vectors per cell
KMEANS_ROUNDS = 8
WRITE_CHUNK = 20_000  # rows filed per transaction when cells are (re)built
_CHUNK = 500
_UNFILED = -1


@cache
def _blas():
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager:
    """Run the enclosed numpy products on one BLAS thread (a search's products take a few ms either way).

    OpenBLAS keeps its threads spinning for a while after each multi-threaded product; the sentence encoder's
    OpenMP threads then wait for a core, and a query embedded right after a search took 114 ms instead of ~30 ms
    on this 2-core machine (bench/matching_speed.py). Bulk work (k-means) keeps every thread.
    """
    return _blas().limit(limits=1, user_api="blas")


def quantise(vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scales, int8 codes) of unit vectors: v ≈ q8 × scale."""
    vecs = np.asarray(vecs, dtype=np.float32).reshape(-1, encoder.DIM)
    scale = np.maximum(np.abs(vecs).max(axis=1), 1e-9) / 127.0
    return scale.astype(np.float32), np.clip(np.rint(vecs / scale[:, None]), -127, 127).astype(np.int8)


def dequantise(scale: float, q8: bytes) -> np.ndarray:
    """The float vector back from its int8 codes."""
    return np.frombuffer(q8, dtype=np.int8).astype(np.float32) * scale


def _centroids(db: Database, kind: str, model: str) -> np.ndarray | None:
    rows = db.execute("SELECT centroid FROM vector_cells WHERE kind = ? AND model = ? ORDER BY cell",
                      [kind, model]).fetchall()
    if not rows:
        return None
    return np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(len(rows), encoder.DIM)


def _assign(vecs: np.ndarray, centroids: np.ndarray | None) -> np.ndarray:
    """The nearest centroid of each vector (cell), or _UNFILED without centroids."""
    if centroids is None or not len(vecs):
        return np.full(len(vecs), _UNFILED, dtype=np.int64)
    out = np.empty(len(vecs), dtype=np.int64)
    for k in range(0, len(vecs), 4096):
        out[k:k + 4096] = np.argmax(vecs[k:k + 4096] @ centroids.T, axis=1)
    return out


def store(db: Database, kind: str, rows: Sequence[tuple[int, np.ndarray]], model: str = encoder.MODEL) -> None:
    """Insert or replace vectors (ref id, unit vector) of one kind, in the caller's transaction."""
    if not rows:
        return
    vecs = np.stack([v for _, v in rows]).astype(np.float32)
    scales, codes = quantise(vecs)
    cells = _assign(vecs, _centroids(db, kind, model))
    # replace = delete + insert (not an in-place update): the delete bumps vector_epoch, so every process's
    # in-memory index reloads instead of keeping the old codes under the same id
    refs = [ref for ref, _ in rows]
    for k in range(0, len(refs), _CHUNK):
        chunk = refs[k:k + _CHUNK]
        db.execute(f"DELETE FROM vectors WHERE kind = ? AND model = ? AND ref_id IN ({','.join('?' * len(chunk))})",
                   [kind, model, *chunk])
    db.conn.executemany(
        "INSERT INTO vectors (kind, ref_id, model, scale, q8, cell) VALUES (?, ?, ?, ?, ?, ?)",
        [(kind, ref, model, float(s), c.tobytes(), None if cell < 0 else int(cell))
         for (ref, _), s, c, cell in zip(rows, scales, codes, cells)])


def fetch(db: Database, kind: str, ref_ids: Iterable[int], model: str = encoder.MODEL) -> dict[int, np.ndarray]:
    """ref id → float vector for those refs that have one."""
    ids = list(dict.fromkeys(ref_ids))
    out: dict[int, np.ndarray] = {}
    for k in range(0, len(ids), _CHUNK):
        chunk = ids[k:k + _CHUNK]
        for ref, scale, q8 in db.execute(
                f"SELECT ref_id, scale, q8 FROM vectors WHERE kind = ? AND model = ? AND ref_id IN "
                f"({','.join('?' * len(chunk))})", [kind, model, *chunk]):
            out[ref] = dequantise(scale, q8)
    return out


@dataclass
class _Cell:
    """The vectors of one cell in memory: ref ids, scales, int8 codes (grown by appending)."""

    refs: list[np.ndarray] = field(default_factory=list)
    scales: list[np.ndarray] = field(default_factory=list)
    codes: list[np.ndarray] = field(default_factory=list)
    floats: np.ndarray | None = None  # codes × scales as float32, kept only while the whole index is small

    def add(self, refs: np.ndarray, scales: np.ndarray, codes: np.ndarray) -> None:
        self.floats = None
        self.refs.append(refs)
        self.scales.append(scales)
        self.codes.append(codes)

    def compact(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(self.refs) > 1:
            self.refs, self.scales, self.codes = ([np.concatenate(x)] for x in (self.refs, self.scales, self.codes))
        return self.refs[0], self.scales[0], self.codes[0]


@dataclass
class _Index:
    """One kind's vectors of one model as loaded from the table, by cell, extended incrementally."""

    last_id: int = 0
    last_row: tuple | None = None  # (kind, ref_id) of row last_id: a rolled-back-and-reused id shows as a mismatch
    epoch: int = -1
    n_cells: int = 0
    centroids: np.ndarray | None = None
    cells: dict[int, _Cell] = field(default_factory=dict)
    size: int = 0


_INDEXES: dict[tuple[str, str, str], _Index] = {}
_LOCK = threading.Lock()


def _load(db: Database, kind: str, model: str) -> _Index:
    """The in-memory index of ``kind``, brought up to date with the table."""
    key = (database_key(db), kind, model)
    with _LOCK:
        index = _INDEXES.get(key)
        epoch = db.execute("SELECT deletes FROM vector_epoch WHERE kind = ?", [kind]).fetchone()[0]
        n_cells = db.execute("SELECT count(*) FROM vector_cells WHERE kind = ? AND model = ?",
                             [kind, model]).fetchone()[0]
        top = db.execute("SELECT coalesce(max(id), 0) FROM vectors").fetchone()[0]
        seen = (db.execute("SELECT kind, ref_id FROM vectors WHERE id = ?", [index.last_id]).fetchone()
                if index is not None and index.last_id else None)
        if (index is None or index.epoch != epoch or index.n_cells != n_cells or top < index.last_id
                or (index.last_id and seen != index.last_row)):
            index = _INDEXES[key] = _Index(epoch=epoch, n_cells=n_cells, centroids=_centroids(db, kind, model))
        if top > index.last_id:
            cur = db.execute("SELECT ref_id, scale, q8, coalesce(cell, -1) FROM vectors WHERE kind = ? AND model = ? "
                             "AND id > ? AND id <= ?", [kind, model, index.last_id, top])
            while rows := cur.fetchmany(50_000):
                refs = np.fromiter((r[0] for r in rows), np.int64, len(rows))
                scales = np.fromiter((r[1] for r in rows), np.float32, len(rows))
                codes = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.int8).reshape(len(rows), encoder.DIM)
                cells = np.fromiter((r[3] for r in rows), np.int64, len(rows))
                for cell in np.unique(cells):
                    pick = cells == cell
                    index.cells.setdefault(int(cell), _Cell()).add(refs[pick], scales[pick], codes[pick])
                index.size += len(rows)
            index.last_id = top
            index.last_row = db.execute("SELECT kind, ref_id FROM vectors WHERE id = ?", [top]).fetchone()
        return index


def count_any(db: Database, kind: str, model: str = encoder.MODEL) -> bool:
    """True when at least one vector of ``kind`` made by ``model`` is stored (cheap)."""
    return db.execute("SELECT 1 FROM vectors WHERE kind = ? AND model = ? LIMIT 1", [kind, model]).fetchone() is not None


def nearest(db: Database, kind: str, vec: np.ndarray, k: int, *, nprobe: int = NPROBE, exact: bool = False,
            model: str = encoder.MODEL) -> list[tuple[int, float]]:
    """(ref id, cosine) of the ``k`` stored vectors nearest ``vec``, best first."""
    index = _load(db, kind, model)
    if not index.size:
        return []
    with one_blas_thread():
        return _nearest(index, np.asarray(vec, dtype=np.float32), k, nprobe, exact)


def _nearest(index: _Index, vec: np.ndarray, k: int, nprobe: int, exact: bool) -> list[tuple[int, float]]:
    if index.centroids is None or exact:
        probe = list(index.cells)
    else:
        order = np.argsort(-(index.centroids @ vec))[:nprobe]
        probe = [int(c) for c in order] + [_UNFILED]
    best_refs, best_sims = [], []
    small = index.size <= IVF_MIN  # keep each cell's float matrix (≤ 30 MB) instead of converting per query
    with _LOCK:  # a consistent snapshot of each probed cell (another thread may be appending to it)
        parts = []
        for c in probe:
            if c in index.cells:
                cell = index.cells[c]
                refs, scales, codes = cell.compact()
                if small and (cell.floats is None or len(cell.floats) != len(refs)):
                    cell.floats = codes.astype(np.float32) * scales[:, None]
                parts.append((refs, scales, codes, cell.floats if small else None))
    for refs, scales, codes, floats in parts:
        sims = floats @ vec if floats is not None else (codes.astype(np.float32) @ vec) * scales
        take = min(k, len(sims))
        top = np.argpartition(-sims, take - 1)[:take]
        best_refs.append(refs[top])
        best_sims.append(sims[top])
    if not best_refs:
        return []
    refs = np.concatenate(best_refs)
    sims = np.concatenate(best_sims)
    order = np.argsort(-sims)[:k]
    return [(int(refs[i]), float(sims[i])) for i in order]


def build_cells(db: Database, kind: str, model: str = encoder.MODEL, *, seed: int = 0,
                min_vectors: int = IVF_MIN) -> int:
    """Train √N k-means cells for ``kind`` and file every vector in one; returns the number of cells (0: too few).

    Training reads only; the cells are then written in short transactions of WRITE_CHUNK rows, so the write lock
    is never held for long (vectors stored meanwhile stay unfiled, and every search scans those). Re-run when the
    corpus has grown a lot (the embedding job does at IVF_MIN, then every 4× growth), so cells stay balanced.
    """
    n = db.execute("SELECT count(*) FROM vectors WHERE kind = ? AND model = ?", [kind, model]).fetchone()[0]
    if n < min_vectors:
        return 0
    k = int(min(4096, max(2, round(np.sqrt(n)))))
    rng = np.random.default_rng(seed)
    rows = db.execute("SELECT id, scale, q8 FROM vectors WHERE kind = ? AND model = ?", [kind, model]).fetchall()
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    vecs = (np.frombuffer(b"".join(r[2] for r in rows), dtype=np.int8).reshape(len(rows), encoder.DIM)
            .astype(np.float32) * np.fromiter((r[1] for r in rows), np.float32, len(rows))[:, None])
    sample = vecs[rng.choice(len(vecs), size=min(len(vecs), k * TRAIN_PER_CELL), replace=False)]
    centroids = sample[rng.choice(len(sample), size=k, replace=False)].copy()
    for _ in range(KMEANS_ROUNDS):  # spherical k-means: assign by cosine, re-centre, re-normalise
        labels = _assign(sample, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, sample)
        empty = ~sums.any(axis=1)
        sums[empty] = sample[rng.choice(len(sample), size=int(empty.sum()))]
        centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    cells = _assign(vecs, centroids)
    from db.connection import write_transaction  # the one place this module writes on its own

    pairs = [(int(c), int(i)) for c, i in zip(cells, ids)]
    for start in range(0, len(pairs), WRITE_CHUNK):  # unfile first: old cell numbers mean nothing to new centroids
        with write_transaction(db):
            db.conn.executemany("UPDATE vectors SET cell = NULL WHERE id = ?",
                                [(i,) for _, i in pairs[start:start + WRITE_CHUNK]])
    with write_transaction(db):
        db.execute("DELETE FROM vector_cells WHERE kind = ? AND model = ?", [kind, model])
        db.conn.executemany("INSERT INTO vector_cells (kind, model, cell, centroid) VALUES (?, ?, ?, ?)",
                            [(kind, model, c, centroids[c].astype(np.float32).tobytes()) for c in range(k)])
    for start in range(0, len(pairs), WRITE_CHUNK):
        with write_transaction(db):
            db.conn.executemany("UPDATE vectors SET cell = ? WHERE id = ?", pairs[start:start + WRITE_CHUNK])
    with write_transaction(db):
        db.execute("UPDATE vector_epoch SET deletes = deletes + 1")  # every process reloads its index
    return k


def cells_stale(db: Database, kind: str, model: str = encoder.MODEL) -> bool:
    """True when ``kind`` needs (new) cells: past IVF_MIN without them, or 4× as many vectors as cells²."""
    n = db.execute("SELECT count(*) FROM vectors WHERE kind = ? AND model = ?", [kind, model]).fetchone()[0]
    k = db.execute("SELECT count(*) FROM vector_cells WHERE kind = ? AND model = ?", [kind, model]).fetchone()[0]
    return n >= IVF_MIN and (k == 0 or n > 4 * k * k)
