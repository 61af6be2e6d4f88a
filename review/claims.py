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


def _required_literal(pattern: str) -> str:
    """The longest plain piece of text every match of ``pattern`` contains (lower case), for a cheap prefilter."""
    plain = re.sub(r"\(\?:[^()]*\)\??|.\?", "\x00", pattern)  # drop groups and optional characters
    return max(re.split(r"\\[bsw]\*?|[\^$\x00]", plain), key=len).lower()


# Searching the regex table costs ~0.3 us per character; `in` tests for these literals cost ~100x less,
# so the table only runs on the rare sentence that contains one of them.
_LITERALS = set(map(_required_literal, BOILERPLATE_PATTERNS))
_BOILERPLATE_LITERALS = tuple(sorted(lit for lit in _LITERALS if not any(o != lit and o in lit for o in _LITERALS)))

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt gen col lt sgt capt gov sen rep rev inc ltd co corp jan feb mar apr jun "
    "jul aug sep sept oct nov dec no vs fig e.g i.e u.s u.k u.n a.m p.m approx est dept univ".split()
) | {"د", "أ", "م", "ص", "ج", "ه"}  # Arabic: د. (Dr), أ. (Prof/Mr), م. (Eng / AD), ص. (page), ج. (part)
_TERMINATORS = ".!?؟;؛…"
# candidate sentence ends: each maximal run is judged as a whole
_TERMINATOR_RUN = re.compile(f"[{re.escape(_TERMINATORS)}]+")
_QUOTE_PAIRS = {"«": "»", "“": "”", "„": "“"}
_CLOSING_QUOTES = "»”\"'’)"
_CLOSING_RUN = re.compile(f"[{re.escape(_CLOSING_QUOTES)}]*")
_STRAIGHT_QUOTE = re.compile('"')


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
    if '"' in line:
        straight = [m.start() for m in _STRAIGHT_QUOTE.finditer(line)]
        if len(straight) % 2 == 0:
            spans.extend(zip(straight[::2], straight[1::2]))
    return spans


def _is_protected(line: str, i: int, spans: list[tuple[int, int]]) -> bool:
    """True when the terminator at line[i] lies inside a quotation, unless it ends the quotation's last
    sentence ('... خطير." ثم')."""
    if not any(a < i < b for a, b in spans):
        return False
    # a terminator right before a closing quote may end the sentence (the break then keeps the quote)
    return not any(b - 1 == i and i > a and line[b + 1:b + 2].isspace()
                   for a, b in spans)


def _word_before(line: str, end: int) -> str:
    """The run of word characters and dots that ends just before ``end`` (what [\w.]+$ would match)."""
    k = end
    while k > 0 and (line[k - 1].isalnum() or line[k - 1] in "._"):
        k -= 1
    return line[k:end]


def _is_abbreviation(line: str, dot: int) -> bool:
    """True when the '.' at ``dot`` ends a known abbreviation or a single-letter initial."""
    word = _word_before(line, dot).lower().strip(".")
    if not word:
        return False
    if word == "etc":  # often ends a sentence: only a following capital says so
        return not line[dot + 1:].lstrip()[:1].isupper()
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    return "." in word and all(len(part) == 1 for part in word.split("."))  # U.S.A. style


def _ends_sentence(line: str, i: int, j: int, start: int) -> bool:
    """Whether the terminator run line[i:j] ends the sentence that began at ``start``."""
    n = len(line)
    if j == n:
        return True
    ch = line[i]
    if ch == "." and j == i + 1:
        nxt = line[j]
        if nxt.isdigit() and line[i - 1:i].isdigit():
            return False  # decimal 11.6
        if not nxt.isspace() and nxt not in _CLOSING_QUOTES:
            return False  # 3.5%, example.com, U.S.
        return not _is_abbreviation(line, i)
    if ch == "…" or line.startswith("..", i):
        after = line[j:].lstrip()[:1]
        if len(line[start:i].split()) < 4 or (after.isalpha() and after.isascii() and after.islower()):
            return False  # headline separator 'وثائق خطيرة.. داعش' or a trailing-off clause
    return True


def _split_line(line: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets inside one line."""
    spans = _quoted_spans(line) if ('"' in line or "«" in line or "“" in line or "„" in line) else []
    found, start = [], 0
    for m in _TERMINATOR_RUN.finditer(line):
        i, j = m.span()
        if i < start or (spans and _is_protected(line, i, spans)) or not _ends_sentence(line, i, j, start):
            continue
        end = _CLOSING_RUN.match(line, j).end()  # the quotation ends with the sentence: keep its closing mark
        found.append((start, end))
        start = end
    found.append((start, len(line)))
    return found


# A digest of briefs with no full stops: "...الحياة /برلمان – عثر الأمن ... /المحرر – مصرع ..." (a slash, the
# credited outlet in at most four words, a dash). Each brief is its own sentence; the credit is dropped.
_BRIEF_BREAK = re.compile(r"\s*/\s*(?=[^\W\d_])[^\s/–—-]+(?:\s+[^\s/–—-]+){0,3}\s*[–—-]\s+"
                          r"|\s+[–—•|]\s+|^[–—•]\s+")


def _brief_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a long span at digest separators (' /outlet – ', ' – ', bullets)."""
    pieces, pos = [], start
    for m in _BRIEF_BREAK.finditer(text, start, end):
        if m.start() > pos:
            pieces.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        pieces.append((pos, end))
    return pieces or [(start, end)]


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a span longer than MAX_SENTENCE_CHARS into briefs, then at Arabic commas (pieces up to that length)."""
    if end - start <= MAX_SENTENCE_CHARS:
        return [(start, end)]
    briefs = _brief_spans(text, start, end)
    if len(briefs) > 1:
        return [cut for a, b in briefs for cut in _cut_long(text, a, b)]
    if "،" not in text[start:end]:
        return [(start, end)]
    cuts = [k + 1 for k in range(start, end) if text[k] == "،"]
    pieces, piece_start = [], start
    for k in cuts:
        if k - piece_start >= MAX_SENTENCE_CHARS // 2 and k < end:
            pieces.append((piece_start, k))
            piece_start = k
    pieces.append((piece_start, end))
    return pieces


def split_sentences(text: str) -> list[Sentence]:
    """Split Arabic/English text into sentences with offsets; newlines are hard breaks."""
    sentences: list[Sentence] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        for a, b in _split_line(line):
            for c, d in _cut_long(line, a, b) if b - a > MAX_SENTENCE_CHARS else ((a, b),):
                piece = line[c:d]
                stripped = piece.strip()
                if stripped:
                    s = offset + c + len(piece) - len(piece.lstrip())
                    sentences.append(Sentence(stripped, s, s + len(stripped)))
        offset += len(line)
    return sentences


def _literals_in(text: str) -> list[str]:
    """The boilerplate literals that occur in ``text`` (empty: no boilerplate pattern can match)."""
    lowered = text.lower()
    return [lit for lit in _BOILERPLATE_LITERALS if lit in lowered]


def is_boilerplate(sentence: str) -> bool:
    """True for page furniture (read more, share, report-this-image, source links ...)."""
    sentence = sentence.strip()
    return bool(_literals_in(sentence)) and bool(_BOILERPLATE.search(sentence))


def _candidates(text: str, language: str, in_title: bool, min_score: float) -> list[ClaimCandidate]:
    """Scored candidates from one text (title or body)."""
    found = []
    suspect = _literals_in(text)  # usually empty: then no sentence of the text needs the regex table
    for s in split_sentences(text):
        if suspect and is_boilerplate(s.text):
            continue
        tokens = s.text.split()
        if len(tokens) < MIN_WORDS:
            continue
        cw = score_sentence(s.text, language, tokens=tokens)
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
