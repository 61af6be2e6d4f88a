"""Arabic/English text normalisation shared by import, claims and matching (pure).

Contract (other modules rely on these names):
- normalize(text) -> str: matching form (no diacritics/tatweel, unified letters,
  ASCII digits, punctuation and every space collapsed to one space, Latin lower-case;
  a '.' or ',' between two digits is kept so that 11.6 and 22,000 survive).
- tokens(text) -> list[str]: the normalised words.
- numbers(text) -> list[float]: the numeric values the text states.
- detect_language(text) -> 'ar' | 'en'.
- canonical(text) -> str: normalize() with every number expression written as one
  ASCII token for its value ('22 ألف', '22,000', '22k' -> '22000'), percentages
  followed by the token 'pct', clause breaks kept as newlines; index and query
  full-text search with it.
- number_mentions(text) -> list[NumberMention]: values with spans in the original text.
- light_stem(token), name_key(token): matching keys for one word.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Context, Decimal
from itertools import accumulate, compress, count

# --- character table: one str.translate does diacritics, letters, digits, case ---

_EXPLICIT = {
    "ٱ": "ا", "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك", "ھ": "ه", "ہ": "ه", "ۃ": "ه",
    "ـ": "", "ۥ": "", "ۦ": "",  # tatweel, small waw/yeh (Quranic)
    "٫": ".", "٬": ",", "٪": "%", "_": " ", "\u200b": " ",
}
_MARKS = frozenset({"Mn", "Mc", "Me"})
# Clause punctuation and line breaks become '\n' (whitespace to normalize(), but a number
# expression never runs across it: 'in 2015. Thousands of ...' is not 2015000).
_BREAKS = frozenset(";:!?؟،؛۔…\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _char_value(ch: str) -> str:
    """What one character becomes in the matching form (before resolution)."""
    if ch in _EXPLICIT:
        return _EXPLICIT[ch]
    cat = unicodedata.category(ch)
    if cat in _MARKS or cat == "Cf":  # harakat, shadda, Quranic marks; bidi and zero-width marks
        return ""
    if cat == "Nd":
        return str(unicodedata.decimal(ch))
    if cat[0] in "PSZ" or cat == "Cc":  # punctuation, symbols, every kind of space, controls
        folded = unicodedata.normalize("NFKC", ch)  # fullwidth ％ and ． stay meaningful
        if folded in (".", ",", "%"):
            return folded
        return "\n" if ch in _BREAKS or folded in _BREAKS else " "
    if not unicodedata.decomposition(ch):
        return ch.lower()
    # Compatibility forms (presentation forms, ligatures, odd spaces) and letters with
    # hamza/madda/accents: NFKC, then drop the combining marks (أ إ آ -> ا, ؤ -> و, é -> e).
    stripped = "".join(c for c in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", ch))
                       if unicodedata.category(c) not in _MARKS)
    return unicodedata.normalize("NFC", stripped).lower()


def _char_class(codes) -> str:
    """A regex character class for code points, written as ranges."""
    ranges: list[list[int]] = []
    for c in sorted(codes):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]"


def _build_table() -> dict[int, str]:
    """The translate table: every character whose matching form differs, fully resolved."""
    table: dict[int, str] = {}
    for block in (range(0x32400), range(0xE0000, 0xE1000)):
        for code in block:
            ch = chr(code)
            if unicodedata.category(ch) in ("Cs", "Cn", "Co"):
                continue
            value = _char_value(ch)
            if value != ch:
                table[code] = value
    for code, value in table.items():  # iterate to a fixed point so translate is idempotent
        while (nxt := value.translate(table)) != value:
            value = nxt
        table[code] = value
    return table


_TABLE = _build_table()
# Characters the table deletes or expands: the only ones that shift offsets.
# A BMP-only class compiles to a bitmap; astral characters (rare) get their own slower pattern.
_IRREGULAR_BMP = re.compile(_char_class(c for c, v in _TABLE.items() if len(v) != 1 and c <= 0xFFFF))
_IRREGULAR_ALL = re.compile(_char_class(c for c, v in _TABLE.items() if len(v) != 1))
_TABLE.update((c, c) for c in (*range(0x3000), *range(0xFB00, 0x10000)) if c not in _TABLE)  # no KeyError per char

# '.' and ',' are kept only between two digits, else they end a clause (the pattern starts with a
# character class, so the regex engine skips ahead in C).
_LONE_DOT = re.compile(r"[.,](?:(?![0-9])|(?<![0-9][.,]))")


def _spaced(text: str) -> str:
    """translate + lone dots: the matching form, same length as the text but for _IRREGULAR chars."""
    text = text.translate(_TABLE)
    return _LONE_DOT.sub("\n", text) if "." in text or "," in text else text


def normalize(text: str) -> str:
    """The matching form of ``text`` (see the module docstring)."""
    text = _spaced(text)
    return " ".join((text.replace("%", " ") if "%" in text else text).split())


def tokens(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return normalize(text).split()


_ARABIC_RUN = re.compile(r"[\u0620-\u064A\u0671-\u06D3\u0750-\u077F\u08A0-\u08C9\uFB50-\uFDFF\uFE70-\uFEFC]+")
_LATIN_RUN = re.compile(r"[A-Za-z\u00C0-\u024F]+")


def detect_language(text: str) -> str:
    """'ar' when Arabic letters outnumber Latin ones, else 'en' (a script-ratio rule)."""
    arabic = sum(map(len, _ARABIC_RUN.findall(text)))
    latin = sum(map(len, _LATIN_RUN.findall(text)))
    return "ar" if arabic >= latin and arabic > 0 else "en"


# --- number expressions -------------------------------------------------------------

_AR_WORDS = {
    "unit": {1: "واحد واحدة", 2: "اثنان اثنين اثنتان اثنتين اثنا اثني اثنتا اثنتي", 3: "ثلاث ثلاثة",
             4: "أربع أربعة", 5: "خمس خمسة", 6: "ست ستة", 7: "سبع سبعة", 8: "ثمان ثماني ثمانية",
             9: "تسع تسعة"},
    "ahad": {1: "أحد إحدى"},  # only a number before عشر (11): alone it means 'one of', 'anyone'
    "ten": {10: "عشر عشرة"},
    "tens": {20: "عشرون عشرين", 30: "ثلاثون ثلاثين", 40: "أربعون أربعين", 50: "خمسون خمسين",
             60: "ستون ستين", 70: "سبعون سبعين", 80: "ثمانون ثمانين", 90: "تسعون تسعين"},
    "hund": {100: "مائة مئة مية"},
    "hundv": {200: "مئتان مئتين مائتان مائتين مئتي مائتي", 300: "ثلاثمائة ثلاثمئة", 400: "أربعمائة أربعمئة",
              500: "خمسمائة خمسمئة", 600: "ستمائة ستمئة", 700: "سبعمائة سبعمئة",
              800: "ثمانمائة ثمانمئة ثمانيمائة", 900: "تسعمائة تسعمئة"},
    "scale": {10**3: "ألف ألفا", 10**6: "مليون مليونا", 10**9: "مليار مليارا بليون", 10**12: "تريليون"},
    "scalep": {10**3: "آلاف ألوف", 10**6: "ملايين", 10**9: "مليارات ملايير بلايين", 10**12: "تريليونات"},
    "scaled": {2 * 10**3: "ألفان ألفين ألفي", 2 * 10**6: "مليونان مليونين مليوني",
               2 * 10**9: "ملياران مليارين ملياري"},
    "pct": {0: "بالمائة بالمئة"},
}
# Fractions count only with a scale word: نصف مليون = 500,000, مليون ونصف = 1,500,000, ثلاثة ملايين ونصف,
# half a million, two and a half million. Alone (نصف السكان, a quarter of them) they are not stated numbers.
_FRACTIONS = {"نصف": "0.5", "ربع": "0.25", "half": "0.5", "quarter": "0.25"}
_FRACTION_BRIDGES = ("a", "of a")  # half a million, quarter of a million
_EN_UNITS = "one two three four five six seven eight nine".split()
_EN_TEENS = "eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_EN_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALE_NAMES = {10**3: "thousand", 10**6: "million", 10**9: "billion", 10**12: "trillion"}


def _lexicon() -> dict[str, tuple[str, Decimal]]:
    """Normalised number word -> (kind, value)."""
    lex = {normalize(w): (kind, Decimal(v)) for kind, by_value in _AR_WORDS.items()
           for v, words in by_value.items() for w in words.split()}
    lex.update({w: ("unit", Decimal(i + 1)) for i, w in enumerate(_EN_UNITS)})
    lex.update({w: ("teen", Decimal(i + 11)) for i, w in enumerate(_EN_TEENS)})
    lex.update({w: ("tens", Decimal(10 * i + 20)) for i, w in enumerate(_EN_TENS)})
    lex.update({"ten": ("ten", Decimal(10)), "hundred": ("hund", Decimal(100)),
                "percent": ("pct", Decimal(0)), "pct": ("pct", Decimal(0))})
    lex.update({normalize(w): ("frac", Decimal(v)) for w, v in _FRACTIONS.items()})
    for value, name in _SCALE_NAMES.items():
        lex[name], lex[name + "s"] = ("scale", Decimal(value)), ("scalep", Decimal(value))
    return lex


_LEX = _lexicon()
_SUFFIX = {"k": 10**3, "m": 10**6, "mn": 10**6, "mln": 10**6, "bn": 10**9, "bln": 10**9}
_CTX = Context(prec=60)
_MAX_EXP = 36  # refuse to build numbers beyond 10**36 (keeps output short on adversarial text)


def _variants() -> dict[str, tuple[int, int, str]]:
    """Surface word -> (attached connector length, attached preposition length, lexicon word)."""
    out: dict[str, tuple[int, int, str]] = {}
    for word in _LEX:
        for conn in ("", "و"):
            for pfx in ("", "ب", "ل"):
                out.setdefault(conn + pfx + word, (len(conn), len(pfx), word))
    out.update({w: (0, 0, w) for w in _LEX})  # واحد is the word 'one', not و + أحد
    out.update({w: (0, 0, "") for w in _PCT_TAILS})
    return out


_PCT_TAILS = {"المايه": "في", "الميه": "في", "cent": "per"}  # في المائة, per cent
_VARIANTS = _variants()
_NUM_RE = re.compile(r"[%0-9][0-9.,]*(?:(?:bln|bn|mln|mn|k|m)(?!\w))?")
_LIT_SHAPE = re.compile(r"(?P<la>[0-9]+(?:,[0-9]{3})+(?:\.[0-9]+)?)|(?P<lb>[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+"
                        r"|[0-9]{1,3}(?:\.[0-9]{3}){2,})|(?P<lc>[0-9]+(?:[.,][0-9]+)?)")
_DIGITS = re.compile(r"[0-9]+")
_Token = tuple[int, int, int, str, Decimal, bool]  # start, body_start, end, kind, value, has_connector


@dataclass(frozen=True, slots=True)
class NumberMention:
    """One number expression: its value, whether it is a percentage, and where it is."""

    value: float
    is_percent: bool
    start: int  # character span in the text that was passed in
    end: int
    text: str


def _lit_value(m: re.Match[str]) -> Decimal:
    """The value of a digit literal: comma + exactly 3 digits = thousands, else decimal."""
    if m.group("la"):
        return Decimal(m.group("la").replace(",", ""))
    if m.group("lb"):
        return Decimal(m.group("lb").replace(".", "").replace(",", "."))
    return Decimal(m.group("lc").replace(",", "."))


def _connector_start(prep: str, pos: int) -> int | None:
    """Where a connector (و / and) right before ``pos`` starts, if there is one."""
    i = pos
    while i > 0 and prep[i - 1] == " ":
        i -= 1
    if i > 0 and prep[i - 1] == "و" and (i == 1 or not prep[i - 2].isalnum()):
        return i - 1
    if i < pos and prep[i - 3:i] == "and" and (i == 3 or not prep[i - 4].isalnum()):
        return i - 3
    return None


def _number_tokens(prep: str, m: re.Match[str]) -> list[_Token]:
    """Tokens of one digit/percent match: a literal, its k/m/bn suffix, a percent sign."""
    text, start = m.group(), m.start()
    pre = text.startswith("%")
    digits = text.rstrip("bkmln") if not text[-1].isdigit() else text
    lit, lit_start, lit_end = digits[pre:], start + pre, start + len(digits)
    if not lit:
        return [(start, start, m.end(), "pct", Decimal(0), False)]
    shape = _LIT_SHAPE.fullmatch(lit)
    if shape is None:  # 1,2,3 or 12.05.2016: each digit group stands alone
        return [(lit_start + d.start(), lit_start + d.start(), lit_start + d.end(), "lit", Decimal(d.group()), False)
                for d in _DIGITS.finditer(lit)]
    conn = None if pre else _connector_start(prep, lit_start)
    out = [(start if conn is None else conn, start, lit_end, "lit", _lit_value(shape), conn is not None)]
    if lit_end < m.end():
        out.append((lit_end, lit_end, m.end(), "scale", Decimal(_SUFFIX[text[len(digits):]]), False))
    if pre:
        out.append((m.end(), m.end(), m.end(), "pct", Decimal(0), False))
    return out


def _previous(words: list[str], i: int) -> int:
    """Index of the word before words[i], skipping the empty strings that runs of spaces leave (-1 before the first)."""
    j = i - 1
    while j > 0 and not words[j]:
        j -= 1
    return j


def _next_word(prep: str, words: list[str], offsets: list[int], i: int) -> str:
    """The word after words[i] when only spaces separate them in ``prep``, else ''."""
    k = i + 1
    while k < len(words) and not words[k]:
        k += 1
    if k == len(words) or prep[offsets[i] + i + len(words[i]):offsets[k] + k].strip(" "):
        return ""
    return words[k]


def _word_tokens(prep: str, blanked: str) -> list[_Token]:
    """Tokens of the number words in prepared text; ``blanked`` is it with the digits blanked out."""
    words = blanked.replace("\n", " ").split(" ")
    hits = list(compress(count(), map(_VARIANTS.__contains__, words)))  # C-level scan, no regex
    if not hits:
        return []
    offsets = list(accumulate(map(len, words), initial=0))
    out = []
    for i in hits:
        j = _previous(words, i)
        word, start = words[i], offsets[i] + i
        prev, prev_start = (words[j], offsets[j] + j) if j >= 0 else ("", 0)
        if prep[prev_start + len(prev):start].strip(" "):  # digits or a clause break in between
            prev = ""
        conn_len, pfx_len, base = _VARIANTS[word]
        if not base:  # the tail of في المائة / per cent
            if prev == _PCT_TAILS[word]:
                out.append((prev_start, prev_start, start + len(word), "pct", Decimal(0), False))
            continue
        conn, first = conn_len > 0, start
        kind, value = _LEX[base]
        if not conn and prev in ("و", "and"):
            conn, first = True, prev_start
        elif kind == "frac" and prev == "a" and j > 0:  # and a half
            k = _previous(words, j)
            before_start = offsets[k] + k
            if words[k] == "and" and not prep[before_start + 3:prev_start].strip(" "):
                conn, first = True, before_start
        if base == "ست" and (conn or pfx_len):  # وست = West, لست = 'I am not'
            continue
        if base == "one" and _next_word(prep, words, offsets, i) == "of":
            kind = "oneof"  # 'one of the ...' alone is not a count; 'twenty-one of' still is (see _Acc.found)
        out.append((first, start + conn_len + pfx_len, start + len(word), kind, value, conn))
    return out


class _Acc:
    """A number expression being read token by token."""

    __slots__ = ("start", "end", "total", "cur", "last", "kind", "words", "scale", "pct", "lone_fraction")

    def __init__(self, start: int, end: int, kind: str, value: Decimal) -> None:
        self.start, self.end, self.kind, self.pct = start, end, kind, False
        self.lone_fraction = kind == "frac"  # until a scale or percent joins it
        self.words = kind != "lit"
        if kind in ("scale", "scaled"):
            self.total, self.cur, self.last, self.scale = value, None, value, value
        else:
            self.total, self.cur, self.last, self.scale = Decimal(0), value, value, Decimal(0)

    def _lone_ahad(self) -> bool:
        """Only أحد/إحدى so far: 'one of', not a number unless عشر follows."""
        return self.kind == "ahad" and self.total == 0 and self.cur == 1

    def _unit(self) -> Decimal:
        """The power of ten of the last scale word (مليارين -> a billion)."""
        return Decimal(10) ** self.scale.adjusted()

    def value(self) -> Decimal:
        """The expression's value so far."""
        return self.total if self.cur is None else _CTX.add(self.total, self.cur)

    def found(self, out: list[tuple[int, int, Decimal, bool]]) -> None:
        """Append the finished expression to ``out`` (a lone أحد or fraction is not a number)."""
        if not (self._lone_ahad() or self.kind == "oneof" or (self.lone_fraction and not self.pct)):
            out.append((self.start, self.end, self.value(), self.pct))

    def _add(self, kind: str, value: Decimal) -> bool:
        """Start or extend the running part with an additive component."""
        self.cur = value if self.cur is None else _CTX.add(self.cur, value)
        self.last, self.kind = value, kind
        return True

    def _fraction(self, value: Decimal, then_scale: bool) -> bool:
        """Take 'and a half/quarter': of the next scale (مليار ونصف مليون), of the last one (مليون ونصف),
        or of a count before a scale or a percent (ثلاثة ونصف مليون, 5 ونصف في المائة)."""
        if self.cur is None and then_scale:
            return self._add("frac", value)
        if self.cur is None:
            self.total = _CTX.add(self.total, _CTX.multiply(value, self._unit()))  # مليونين ونصف: half a million
            self.kind = "fracd"
            return True
        if not (then_scale or self.words):
            return False
        self.cur = _CTX.add(self.cur, value)
        self.last, self.kind = value, "frac"
        return True

    def join(self, kind: str, value: Decimal, conn: bool, then: tuple[str, Decimal] | None) -> bool:
        """Take the next adjacent token into this expression, or refuse it.

        ``then``: (kind, value) of the token right after this one, if it follows without a connector.
        3 ملايين و500 ألف and 13 ألفا و845 are one number each; 20 ألف و25 ألف and 22 ألف و11% are two.
        """
        kind = "unit" if kind == "oneof" else kind
        scale = kind in ("scale", "scalep")
        then_kind = then[0] if then is not None else None
        then_scale = then_kind in ("scale", "scalep")
        if self.pct:
            return False
        if kind == "pct":  # 11%, خمسة في المائة, مليون ونصف في المائة; not a lone أحد, not 'and percent'
            self.pct = not conn and not self._lone_ahad()
            return self.pct
        if (self._lone_ahad() and kind != "ten") or self.kind == "fracd":
            return False
        if self.kind == "frac" and not scale:  # a fraction only takes a scale: نصف مليون
            return False
        if kind == "frac":
            return conn and self._fraction(value, then_scale or then_kind == "pct")
        if scale:
            base = self.cur if self.cur is not None else self.total
            if conn or _CTX.multiply(base, value).adjusted() > _MAX_EXP:
                return False
            self.total = _CTX.multiply(base, value) if self.cur is None else \
                _CTX.add(self.total, _CTX.multiply(self.cur, value))
            self.cur, self.scale, self.last, self.kind = None, value, value, kind
            self.lone_fraction = False
            return True
        place = 10 if 20 <= self.last < 100 else 100 if 100 <= self.last < 1000 else 0
        smaller = kind != "lit" and self.words and self.cur is not None and value < place
        if conn:
            if self.cur is None:  # after a scale: مليون وخمسمائة ألف, 3 ملايين و500 ألف, 13 ألفا و845
                if (then_scale and then[1] >= self._unit()) or then_kind == "pct" \
                        or (not then_scale and value != value.to_integral_value()):  # 36,7 مليار و11.6: two
                    return False
                return value < self.scale and kind not in ("scalep", "ahad") and self._add(kind, value)
            if self.kind == "unit" and kind == "tens" and self.words:  # خمسة وعشرون
                return self._add(kind, value)
            return smaller and self._add(kind, value)  # مائة وخمسة, hundred and five
        if self.cur is None or not self.words:
            return False
        if kind == "ten" and self.kind in ("unit", "ahad") and self.last < 10:  # خمسة عشر, مائة وخمسة عشر
            return self._add("teen", value)
        if kind == "hund" and self.kind == "unit" and self.cur == self.last:  # ثلاث مائة, five hundred
            self.cur = self.last = _CTX.multiply(self.cur, value)
            self.kind = "hundv"
            return True
        return smaller and self._add(kind, value)  # twenty five


def _scan(prep: str) -> list[tuple[int, int, Decimal, bool]]:
    """(start, end, value, is_percent) of every number expression in prepared text."""
    nums = list(_NUM_RE.finditer(prep))
    toks = [t for m in nums for t in _number_tokens(prep, m)]
    # Words are looked up with the digits blanked out, so '0واحد' reads as 0 + واحد both here
    # and after canonical() has put a space between them.
    pieces, pos = [], 0
    for m in nums:
        pieces += [prep[pos:m.start()], " " * (m.end() - m.start())]
        pos = m.end()
    toks += _word_tokens(prep, "".join(pieces) + prep[pos:] if nums else prep)
    toks.sort()
    found: list[tuple[int, int, Decimal, bool]] = []
    acc: _Acc | None = None
    for i, (start, body, end, kind, value, conn) in enumerate(toks):
        if acc is not None:
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            then = (nxt[3], nxt[4]) if nxt is not None and not nxt[5] and not prep[end:nxt[0]].strip(" ") else None
            gap = prep[acc.end:start].strip(" ")
            bridged = not gap or ("\n" not in gap and acc.kind == "frac" and kind in ("scale", "scalep", "pct")
                                  and " ".join(gap.split()) in _FRACTION_BRIDGES)
            if start >= acc.end and bridged and acc.join(kind, value, conn, then):
                acc.end = end
                continue
            acc.found(found)
        acc = None if kind in ("pct", "scalep") else _Acc(body, end, kind, value)
    if acc is not None:
        acc.found(found)
    return found


def _fmt(value: Decimal) -> str:
    """Plain ASCII digits for a value, no exponent, no trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def canonical(text: str) -> str:
    """normalize() with each number expression replaced by its value (and 'pct' for percentages).

    Clause breaks (. , ; : ? ! and line ends) and stray percent signs stay as newlines: they keep two
    numbers apart ('22، ألف' is 22 and 1000), so canonical(canonical(t)) == canonical(t).
    """
    prep = _spaced(text)
    parts, pos = [], 0
    for start, end, value, pct in _scan(prep):
        gap = prep[pos:start]
        parts += [" " if gap in (".", ",") else gap, " ", _fmt(value), " pct " if pct else " "]
        pos = end
    parts.append(prep[pos:])
    lines = "".join(parts).replace("%", "\n").split("\n")
    return "\n".join(filter(None, [" ".join(line.split()) for line in lines]))


def numbers(text: str) -> list[float]:
    """The numeric values the text states (scale words applied: '22 ألف' -> 22000.0)."""
    return [float(value) for _, _, value, _ in _scan(_spaced(text))]


def number_mentions(text: str) -> list[NumberMention]:
    """Every number expression with its value and its span in ``text`` itself."""
    irregular = _IRREGULAR_ALL if text and max(text) > "\uffff" else _IRREGULAR_BMP
    origin, at = [], []  # characters the table deletes or expands: where they were / where they went
    shift = 0
    for m in irregular.finditer(text):
        size = len(_TABLE[ord(m.group())])
        origin.append((m.start(), size))
        at.append(m.start() + shift)
        shift += size - 1

    def source(j: int) -> int:
        """The index in ``text`` of character ``j`` of the prepared text."""
        k = bisect_right(at, j) - 1
        if k < 0:
            return j
        i, size = origin[k]
        return i if j < at[k] + size else i + 1 + j - at[k] - size

    out = []
    for start, end, value, pct in _scan(_spaced(text)):
        a, b = source(start), source(end - 1) + 1
        while b < len(text) and unicodedata.category(text[b]) in _MARKS:  # ألفاً: the tanween too
            b += 1
        out.append(NumberMention(float(value), pct, a, b, text[a:b]))
    return out


# --- word keys ---------------------------------------------------------------------

_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_PRONOUNS = ("هما", "كما", "ها", "هم", "هن", "كم", "نا")  # attached pronouns, tried first
_ENDINGS = ("تين", "تان", "ات", "ون", "ين", "ان", "يه", "ه", "ي")  # plural, dual, nisba, ta marbuta
_HAS_ARABIC = re.compile(r"[\u0621-\u064A]")
_KEEP_S = ("ss", "us", "is", "ics", "ews")  # news, physics, bus, analysis


def _strip_suffix(stem: str, suffixes: tuple[str, ...]) -> str:
    """``stem`` without the first of ``suffixes`` it ends with, if at least 3 letters remain."""
    for suf in suffixes:
        if stem.endswith(suf) and len(stem) - len(suf) >= 3:
            return stem[: -len(suf)]
    return stem


def light_stem(token: str) -> str:
    """A light stem for matching: Arabic clitics and common suffixes off, English plural 's' off.

    Never empty for a non-empty token; meant for one normalize()d word (it normalises anyway).
    """
    if token[-2:].lower() in ("'s", "’s") and len(token) > 2:
        token = token[:-2]
    word = "".join(token.translate(_TABLE).split())
    if not word:
        return token
    if _HAS_ARABIC.search(word):
        if word == "الله":
            return word
        stem = word
        for art in _ARTICLES:
            if stem.startswith(art) and len(stem) - len(art) >= 3:
                stem = stem[len(art):]
                break
        # single-letter proclitics, also after an article, so الكتاب, كتاب and وكتاب agree
        for letters in ("وف", "بلك"):
            if stem[0] in letters and len(stem) > 3:
                stem = stem[1:]
        return _strip_suffix(_strip_suffix(stem, _PRONOUNS), _ENDINGS)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-1]
    return word


_INNER_VOWELS = re.compile(r"(?<=\w)[اويءaeiouy]+")
_REPEATS = re.compile(r"(\w)\1+")


def name_key(token: str) -> str:
    """A transliteration-tolerant key: first letter, then consonants only (ديلي = دايل = دايلي)."""
    words = normalize(token).split()
    if not words:
        return token
    return " ".join(_REPEATS.sub(r"\1", _INNER_VOWELS.sub("", w)) for w in words)


# Function words: never worth showing as "shared words" in a match explanation (they match everything).
_STOP_WORDS_RAW = (
    "من في على إلى الى عن مع بين هذا هذه ذلك تلك هؤلاء التي الذي الذين اللذين اللتين أن إن ان كان كانت كانوا يكون "
    "تكون قد لقد لا ما لم لن هو هي هم هن نحن أنا انا أنت ثم أو او كل بعد قبل عند عندما حتى منذ خلال ضد نحو لدى غير "
    "بعض أي اي أيضا ايضا حيث كما وقد ولا وما وهو وهي وفي ومن وعلى وإلى وأن وكان فيه فيها منه منها عليه عليها إليه "
    "له لها لهم به بها بهم هناك هنا ذات ذو اليوم أمس غدا يوم سنة عام إذا اذا لكن لكنه بل أما اما إلا الا وإن وان "
    "the a an of to in on at for with by from and or but is are was were be been being has have had it its this "
    "that these those as not no which who whom whose what when where how than then so such into about after "
    "before over under also he she they them his her their we our you your i my me there here will would can "
    "could should may might must do does did said says"
)
STOP_WORDS = frozenset(normalize(w) for w in _STOP_WORDS_RAW.split())


def is_stop_word(word: str) -> bool:
    """True for a function word (in normalised form) that carries no meaning in an explanation."""
    return normalize(word) in STOP_WORDS
