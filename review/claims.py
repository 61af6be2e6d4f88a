"""Sentence splitting and claim extraction for Arabic and English articles (pure).

Scoring lives in review/checkworthy.py; this module decides what a sentence is, drops
boilerplate, and ranks the remaining sentences as claim candidates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from review.checkworthy import MIN_WORDS, CheckWorthiness, score_batch, score_sentence
from review.text import detect_language

__all__ = ["BOILERPLATE_PATTERNS", "DEFAULT_MIN_SCORE", "ClaimCandidate", "CheckWorthiness", "Sentence",
           "extract_claims", "is_boilerplate", "score_batch", "score_sentence", "split_sentences"]

DEFAULT_MIN_SCORE = 0.5  # the model's decision threshold (bias is shifted so 0.5 = CV-best F1)
MAX_SENTENCE_CHARS = 400

# One table of page furniture that must never become a claim (matched case-insensitively).
BOILERPLATE_PATTERNS: tuple[str, ...] = (
    r"انقر هنا", r"اضغط هنا", r"اقرأ أيضا", r"اقرأ أيضاً", r"اقرأ المزيد", r"لقراءة الخبر من مصدره",
    r"شكرا على الإبلاغ", r"شكراً على الإبلاغ", r"سيتم حجب هذه الصورة", r"تم الإبلاغ عن",
    r"شارك(?:وا)? (?:هذا|الخبر|المقال|على)", r"تابعونا على", r"اشترك(?:وا)? في", r"النشرة البريدية",
    r"جميع الحقوق محفوظة", r"حقوق النشر", r"^نشر في ", r"^المصدر\s*:",
    r"\bread more\b", r"\bclick here\b", r"\bsubscribe\b", r"\bsign up\b", r"\bnewsletter\b",
    r"\bshare (?:this|on)\b", r"\bfollow us\b", r"\ball rights reserved\b", r"\bcookies?\b",
    r"^advertisement$", r"^إعلان$", r"\brelated (?:articles|stories)\b",
)
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_PATTERNS), re.IGNORECASE)

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt gen col lt sgt capt gov sen rep rev inc ltd co corp jan feb mar apr jun "
    "jul aug sep sept oct nov dec no vs fig e.g i.e u.s u.k u.n a.m p.m approx est dept univ".split()
) | {"د", "أ", "م", "ص", "ج", "ه"}  # Arabic: د. (Dr), أ. (Prof/Mr), م. (Eng / AD), ص. (page), ج. (part)
_TERMINATORS = ".!?؟;؛…"
_QUOTE_PAIRS = {"«": "»", "“": "”", "„": "“"}
_CLOSING_QUOTES = "»”\"'’)"
_ABBREV_BEFORE = re.compile(r"([\w.]+)$")


class ClaimsError(ValueError):
    """Raised for invalid arguments to claim extraction."""


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence and its character offsets: source[start:end] == text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ClaimCandidate:
    """A check-worthy sentence; offsets point into the body, or into the title when in_title."""

    text: str
    start: int
    end: int
    score: float
    signals: list[str]
    in_title: bool = False


def _quoted_spans(line: str) -> list[tuple[int, int]]:
    """(open, close) index pairs of balanced quotations in one line; an unbalanced quote protects nothing."""
    spans: list[tuple[int, int]] = []
    for opener, closer in _QUOTE_PAIRS.items():
        pos = 0
        while (i := line.find(opener, pos)) != -1 and (j := line.find(closer, i + 1)) != -1:
            spans.append((i, j))
            pos = j + 1
    straight = [i for i, ch in enumerate(line) if ch == '"']
    if len(straight) % 2 == 0:
        spans.extend(zip(straight[::2], straight[1::2]))
    return spans


def _is_abbreviation(line: str, dot: int) -> bool:
    """True when the '.' at ``dot`` ends a known abbreviation or a single-letter initial."""
    m = _ABBREV_BEFORE.search(line, 0, dot)
    if not m:
        return False
    word = m.group(1).lower().strip(".")
    if word == "etc":  # often ends a sentence: only a following capital says so
        return not line[dot + 1:].lstrip()[:1].isupper()
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    return "." in word and all(len(part) == 1 for part in word.split("."))  # U.S.A. style


def _break_after(line: str, i: int, start: int, protected: list[bool]) -> int | None:
    """If a sentence ends at line[i], return the index just past its end, else None."""
    ch = line[i]
    if ch not in _TERMINATORS or protected[i]:
        return None
    j = i + 1
    while j < len(line) and line[j] in _TERMINATORS:
        j += 1
    run = line[i:j]
    nxt = line[j:j + 1]
    if ch == "." and run == "." and j < len(line):
        if line[i - 1:i].isdigit() and nxt.isdigit():
            return None  # decimal 11.6
        if not nxt.isspace() and nxt not in _CLOSING_QUOTES:
            return None  # 3.5%, example.com, U.S.
        if _is_abbreviation(line, i):
            return None
    if (run.startswith("..") or ch == "…") and j < len(line):
        lead_words = len(line[start:i].split())
        after = line[j:].lstrip()[:1]
        if lead_words < 4 or (after.isalpha() and after.isascii() and after.islower()):
            return None  # headline separator 'وثائق خطيرة.. داعش' or a trailing-off clause
    while j < len(line) and line[j] in _CLOSING_QUOTES:
        j += 1  # the quotation ends with the sentence: keep its closing mark
    return j


def _split_line(line: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets inside one line."""
    protected = [False] * len(line)
    for a, b in _quoted_spans(line):
        for k in range(a + 1, b):
            protected[k] = True
    # a terminator right before a closing quote may end the sentence (handled by _break_after at the quote)
    for a, b in _quoted_spans(line):
        if b - 1 > a and line[b - 1] in _TERMINATORS and b + 1 < len(line) and line[b + 1:b + 2].isspace():
            protected[b - 1] = False
    spans, start, i = [], 0, 0
    while i < len(line):
        end = _break_after(line, i, start, protected)
        if end is None:
            i += 1
            while line[i - 1] in _TERMINATORS and i < len(line) and line[i] in _TERMINATORS:
                i += 1  # a rejected run ('..' in a headline) is rejected as a whole
            continue
        spans.append((start, end))
        start = i = end
    spans.append((start, len(line)))
    return spans


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a span longer than MAX_SENTENCE_CHARS at Arabic commas, packing pieces up to that length."""
    if end - start <= MAX_SENTENCE_CHARS or "،" not in text[start:end]:
        return [(start, end)]
    cuts = [k + 1 for k in range(start, end) if text[k] == "،"]
    pieces, piece_start = [], start
    for k in cuts:
        if k - piece_start >= MAX_SENTENCE_CHARS // 2 and k < end:
            pieces.append((piece_start, k))
            piece_start = k
    pieces.append((piece_start, end))
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets with surrounding whitespace removed."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str) -> list[Sentence]:
    """Split Arabic/English text into sentences with offsets; newlines are hard breaks."""
    sentences: list[Sentence] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        for a, b in _split_line(line):
            for c, d in _cut_long(line, a, b):
                s, e = _strip(line, c, d)
                if e > s:
                    sentences.append(Sentence(line[s:e], offset + s, offset + e))
        offset += len(line)
    return sentences


def is_boilerplate(sentence: str) -> bool:
    """True for page furniture (read more, share, report-this-image, source links ...)."""
    return bool(_BOILERPLATE.search(sentence.strip()))


def _candidates(text: str, language: str, in_title: bool, min_score: float) -> list[ClaimCandidate]:
    """Scored candidates from one text (title or body)."""
    found = []
    for s in split_sentences(text):
        if is_boilerplate(s.text) or len(s.text.split()) < MIN_WORDS:
            continue
        cw = score_sentence(s.text, language)
        if cw.score >= min_score:
            found.append(ClaimCandidate(s.text, s.start, s.end, cw.score, cw.signals, in_title))
    return found


def extract_claims(title: str, body: str, language: str | None = None, *,
                   min_score: float = DEFAULT_MIN_SCORE) -> list[ClaimCandidate]:
    """Check-worthy sentences of an article, best first (ties keep title-then-body order)."""
    if not 0.0 <= min_score <= 1.0:
        raise ClaimsError(f"min_score must be within [0, 1], got {min_score}")
    language = language or detect_language(f"{title}\n{body}")
    found = _candidates(title, language, True, min_score) + _candidates(body, language, False, min_score)
    return sorted(found, key=lambda c: -c.score)
