"""Check-worthiness of one sentence: explainable signals plus a small learned model (pure).

The score is a logistic regression over (a) the named signals below (a hand-set prior plus a
learned correction per language), (b) per-word features of a frozen folding of the text (the word,
its Arabic light stem, its character 3-5-grams) and (c) a few text features (length, links,
hashtags, mentions). Weights live in checkworthy_model.json, written by scripts/train_checkworthy.py
from CheckThat! 2022 Task 1A train splits. Per-word features are summed once per distinct word and
cached, so a sentence costs one dictionary lookup per distinct word.
The folding here is deliberately private and frozen: the learned weights are keyed by it,
so it must not drift when review.text.normalize evolves.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path

from review.text import detect_language

MODEL_PATH = Path(__file__).with_name("checkworthy_model.json")
MIN_WORDS = 5
CHAR_NGRAMS = (3, 5)  # lengths of the character n-grams of "<word>"
LENGTH_BUCKETS = 5  # text feature 'x:lenK' for K = min(words // 10, 4)
WORD_MEMO_LIMIT = 500_000  # distinct words remembered per language model (~60 MB at most)
POSITIVE_SIGNALS = ("number", "quantity", "percent", "date", "attribution", "named_entity",
                    "factual_verb", "quotation", "comparison")
NEGATIVE_SIGNALS = ("hedge", "opinion", "question", "too_short", "incident", "too_long")
LONG_CHARS = 400  # past this a "sentence" is a digest or a list of briefs, not one claim a desk can check
SIGNALS = POSITIVE_SIGNALS + NEGATIVE_SIGNALS
# Hand-set prior (log-odds) per signal: what a news desk considers check-worthy. The model is fitted on
# top of it (as a fixed offset) and learns only an L2-regularised correction 'g:<signal>' per language,
# so the signals keep their meaning even though the training tweets (COVID-19) barely reward them.
SIGNAL_PRIOR: dict[str, float] = {
    "number": 0.4, "quantity": 0.4, "percent": 0.4, "date": 0.2, "attribution": 0.5, "named_entity": 0.3,
    "factual_verb": 0.5, "quotation": 0.2, "comparison": 0.3,
    "hedge": -0.5, "opinion": -0.7, "question": -0.8, "too_short": -1.0,
    # A rule, not learned (no labelled crime briefs here): fact-checkers check public claims, not police-blotter
    # briefs about private people (a stabbing, a hanged man, a drug seizure); see bench/triage_quality.py.
    "incident": -1.2, "too_long": -2.5,
}


class ModelFileError(Exception):
    """The check-worthiness weights file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class CheckWorthiness:
    """How check-worthy a sentence is (0..1) and which signals fired, for the reviewer."""

    score: float
    signals: list[str]


# ---- frozen folding -------------------------------------------------------------------

_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_URL_OR_MENTION = re.compile(r"https?://\S+|www\.\S+|@\w+")
_REPLACEMENTS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ى", "ي"), ("ة", "ه"),
                 ("#", " "), ("_", " "), ("٪", "%"))  # chained str.replace: ~20x faster than translate


def fold(text: str) -> str:
    """Frozen matching form for features: no URLs/mentions/diacritics, unified alef/ya/ta, lower case."""
    if "http" in text or "www." in text or "@" in text:
        text = _URL_OR_MENTION.sub(" ", text)
    text = _DIACRITICS.sub("", text)
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    return text.lower()


# ---- signals: cue words looked up per token (Arabic cues expanded with clitics) --------

_AR_PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "ال", "وال", "فال", "بال", "كال", "لل", "ولل", "وب", "ول", "فب")
_AR_SUFFIXES = ("", "ت", "وا", "ا", "ان", "ون", "ين", "ات", "ه", "ها", "هم", "ي", "تا", "نا")
SCALE_WORDS_AR = "ألف آلاف الف مليون ملايين مليار مليارات ملايير تريليون"

# signal -> (Arabic cues with verb/noun suffixes, Arabic cues as written, English words/phrases)
_CUE_SPECS: dict[str, tuple[str, str, str]] = {
    "number": ("", "اثنان اثنين ثلاث ثلاثة أربع أربعة خمس خمسة ستة سبع سبعة ثمانية تسع تسعة عشر عشرة "
               "عشرات عشرين ثلاثين أربعين خمسين مئة مائة مئات " + SCALE_WORDS_AR,
               "two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
               "hundred hundreds thousand thousands dozen dozens million millions billion billions"),
    "quantity": ("", SCALE_WORDS_AR + " دولار دولارا دولارات درهم يورو جنيه ريال دينار ليرة طن أطنان "
                 "كيلومتر كيلو متر هكتار شخص أشخاص قتيل قتلى جريح جرحى إصابة إصابات حالة حالات جرعة جرعات",
                 "thousand thousands million millions billion billions trillion dollars dollar euros pounds "
                 "tonnes tons km kilometres miles people cases deaths doses"),
    "percent": ("", "بالمئة بالمائة في~المئة في~المائة نسبة", "percent per~cent percentage"),
    "date": ("", "يناير فبراير مارس أبريل ابريل مايو ماي يونيو يوليو أغسطس غشت سبتمبر أكتوبر نوفمبر دجنبر "
             "ديسمبر كانون شباط آذار نيسان أيار حزيران تموز أيلول تشرين الاثنين الثلاثاء الأربعاء "
             "الخميس الجمعة السبت الأحد أمس",
             "january february march april june july august september october november december monday "
             "tuesday wednesday thursday friday saturday sunday yesterday"),
    "attribution": ("ذكر قال صرح أفاد أوضح أشار نقل أكد", "يقول تقول يذكر تذكر يشير تشير يفيد تفيد يوضح "
                    "توضح وسائل~إعلام بحسب حسب وفق وفقا نقلا مصدر مصادر بيان تقرير "
                    "المتحدث", "according~to said says told stated reported~by claimed claims statement "
                    "spokesman spokeswoman spokesperson quoted"),
    "named_entity": ("", "الرئيس رئيس الوزير وزير وزارة الوزارة صحيفة قناة وكالة تنظيم منظمة حكومة الحكومة "
                     "جيش الجيش الملك ملك أمير شركة مجلس البرلمان حزب جامعة مستشفى محكمة الشرطة "
                     "الأمم~المتحدة داعش النظام مدينة ولاية دولة سوريا مصر السعودية المغرب الجزائر العراق "
                     "إيران روسيا أمريكا الولايات~المتحدة الصين فرنسا بريطانيا تركيا إسرائيل فلسطين لبنان "
                     "الأردن قطر الإمارات الكويت تونس ليبيا اليمن أوروبا الصحة~العالمية", ""),
    "factual_verb": ("أكد كشف أعلن نشر سيطر قتل ارتفع انخفض بلغ سجل تراجع زاد أصيب توفي اعتقل وقع أصدر "
                     "أطلق فاز خسر حصل تسلم خفض أقر صادق منع حظر دمر استعاد هاجم أبرم تمكن وافق رفض فرض "
                     "يعلن تعلن يؤكد تؤكد تكشف يكشف", "",
                     "reported reports announced announces confirmed confirms revealed reveals killed died "
                     "dead rose rises risen fell falls fallen increased decreased dropped doubled arrested "
                     "signed won lost recorded reached banned approved launched published seized captured "
                     "found shows showed caused causes tested~positive"),
    "comparison": ("", "أكثر أعلى أكبر أول أقل أدنى أسوأ أفضل أصغر أطول أسرع ضعف أضعاف مقارنة قياسي قياسيا "
                   "مسبوق", "more~than less~than fewer~than highest lowest largest biggest first record "
                   "double triple compared most least worst best times~more"),
    "hedge": ("", "ربما لعل يحتمل محتمل المحتمل يبدو",
              "might maybe perhaps possibly could may likely probably unclear rumor rumour"),
    "opinion": ("", "أعتقد نعتقد يعتقد أظن أرى نرى رأيي ينبغي يجب نتمنى أتمنى اللهم",
                "i~think i~believe we~believe in~my~opinion should must i~feel i~hope we~need ought imo"),
    # crime-blotter and personal-incident briefs: weapons, bodies, petty crime, accidents, the victim/suspect
    "incident": ("سكين طعن طعنة جثة مصرع انتحار سرقة جريمة",
                 "مصرعهما سكينا بالطعنات مشنوق مشنوقا شنق انتحر انتحرت حادثة~سير حادث~سير حادثة~مرور غرق غريق "
                 "اغتصاب هتك~عرض جنسيا السارق لص اللص لصوص نشال مخدرات مخدر الشيرا الحشيش الكوكايين "
                 "الأقراص~المهلوسة قاصر قاصرة قاصرتين الضحية الهالك الاشتباه المشتبه~به المشتبه~فيه الموقوف "
                 "الموقوفين الجاني الدرك الضابطة~القضائية الشرطة~القضائية الزوجة زوجته زوجها طليقته شجار "
                 "مشاجرة عراك عشيقته عشيقها دعارة السطو",
                 "stabbed stabbing knife knifepoint robbery robbed burglary burglar shoplifting carjacking "
                 "hanged drowned the~victim the~suspect motorist pedestrian girlfriend boyfriend car~crash"),
}


def _build_cues() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(single word -> signals, phrase 'a b [c]' -> signals) with Arabic clitic forms expanded."""
    words: dict[str, set[str]] = {}
    phrases: dict[str, set[str]] = {}
    for signal, (ar_inflected, ar_plain, english) in _CUE_SPECS.items():
        forms: set[str] = set(fold(english).split())
        for spec, suffixes in ((ar_inflected, _AR_SUFFIXES), (ar_plain, ("",))):
            for cue in fold(spec).split():
                head, sep, rest = cue.partition("~")
                forms.update(p + head + s + sep + rest for p in _AR_PREFIXES for s in suffixes)
        for form in forms:
            target = phrases if "~" in form else words
            target.setdefault(form.replace("~", " "), set()).add(signal)
    return ({k: frozenset(v) for k, v in words.items()}, {k: frozenset(v) for k, v in phrases.items()})


_WORD_CUES, _PHRASE_CUES = _build_cues()
_CUE_WORDS = frozenset(_WORD_CUES)
_PHRASE_STARTS = frozenset(p.split()[0] for p in _PHRASE_CUES)
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_QUOTE = re.compile(r"«[^»]+ [^»]+ [^»]+»|“[^”]+ [^”]+ [^”]+”|\"[^\"]+ [^\"]+ [^\"]+\"")  # >= 3 words
_HEDGE_QAD = re.compile(r"(?<!\w)قد (?:ي|تكون)")
_QUESTION_WORDS = frozenset("هل لماذا كيف متى why how what when is are do does did".split())
_CAPITALISED = re.compile(r"(?<=[\w,;:] )(?:[A-Z][a-z]+|[A-Z]{2,})\b")
_WORD = re.compile(r"\w+")
_AR_CLITIC = re.compile(r"^(?:وال|بال|فال|كال|لل|ال|و|ف|ب|ل)(?=\w{3})")


def _stem(word: str) -> str:
    """Arabic light stem: the word without one leading conjunction/preposition/article clitic."""
    return _AR_CLITIC.sub("", word)


def word_features(word: str, char_ngrams: bool = True) -> tuple[str, ...]:
    """Features of one folded word: 'w:' word, 's:' Arabic light stem, 'c:' character n-grams of '<word>' (optional)."""
    if word.isdigit():
        return ()  # digits count once per text, as 'w:0'
    feats = ["w:" + word]
    if not word.isascii():
        feats.append("s:" + _stem(word))
    if not char_ngrams:
        return tuple(feats)
    padded = f"<{word}>"
    lo, hi = CHAR_NGRAMS
    feats.extend(sorted({"c:" + padded[i:i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)}))
    return tuple(feats)


class _Memo(dict):
    """key -> fn(key), computed on first sight; cleared when it reaches WORD_MEMO_LIMIT entries."""

    def __init__(self, fn: Callable[[str], object]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: str) -> object:
        if len(self) >= WORD_MEMO_LIMIT:
            self.clear()
        value = self[key] = self.fn(key)
        return value


# Whitespace token -> its folded words (what _WORD finds in fold(token)). fold() works within tokens, so a
# text's words are its tokens' words in order; tokens repeat far more than characters, so folding and
# tokenising each distinct token once saves most of the per-character work.
_TOKEN_WORDS = _Memo(lambda token: tuple(_WORD.findall(fold(token))))


def _analyse(text: str, language: str | None,
             tokens: list[str] | None = None) -> tuple[list[str], set[str], int]:
    """(signals in SIGNALS order, distinct folded words, number of words); ``tokens`` is text.split() if known."""
    words = list(chain.from_iterable(map(_TOKEN_WORDS.__getitem__, text.split() if tokens is None else tokens)))
    distinct = set(words)
    fired: set[str] = set()
    for word in distinct & _CUE_WORDS:
        fired |= _WORD_CUES[word]
    for head in distinct & _PHRASE_STARTS:
        i = -1
        for _ in range(words.count(head)):
            i = words.index(head, i + 1)
            for n in (2, 3):
                fired |= _PHRASE_CUES.get(" ".join(words[i:i + n]), frozenset())
    plain = _URL_OR_MENTION.sub(" ", text) if ("http" in text or "www." in text or "@" in text) else text
    if _DIGIT.search(plain):
        fired.add("number")
        if "%" in plain or "٪" in plain:
            fired.add("percent")
        if _YEAR.search(plain):
            fired.add("date")
    if ("«" in text or "“" in text or '"' in text) and _QUOTE.search(text):
        fired.add("quotation")
    if "قد" in distinct and _HEDGE_QAD.search(fold(text)):
        fired.add("hedge")
    if language != "ar" and _CAPITALISED.search(text):
        fired.add("named_entity")
    if plain.rstrip().endswith(("?", "؟")) or (words and words[0] in _QUESTION_WORDS):
        fired.add("question")
    if len(words) < MIN_WORDS:
        fired.add("too_short")
    if len(text) > LONG_CHARS:
        fired.add("too_long")
    return [name for name in SIGNALS if name in fired], distinct, len(words)


def signals_of(text: str, language: str | None = None) -> list[str]:
    """Names of the signals that fire on ``text``, in the fixed SIGNALS order."""
    return _analyse(text, language)[0]


def _text_features(text: str, distinct: set[str], n_words: int) -> list[str]:
    """Features of the whole text: any digit ('w:0'), link, hashtag, mention, length bucket."""
    feats = ["x:len%d" % min(n_words // 10, LENGTH_BUCKETS - 1)]
    if any(map(str.isdigit, distinct)):
        feats.append("w:0")
    if "http" in text or "www." in text:
        feats.append("x:url")
    if "#" in text:
        feats.append("x:hashtag")
    if "@" in text:
        feats.append("x:mention")
    return feats


def features(text: str, language: str | None = None, *, char_ngrams: bool = True) -> dict[str, int]:
    """Feature counts the model weighs: per-word features summed over distinct words, text and 'g:' signal features."""
    signals, distinct, n_words = _analyse(text, language)
    counts: dict[str, int] = {}
    for word in distinct:
        for feat in word_features(word, char_ngrams):
            counts[feat] = counts.get(feat, 0) + 1
    for feat in _text_features(text, distinct, n_words) + ["g:" + name for name in signals]:
        counts[feat] = 1
    return counts


class _Weights(dict):
    """Feature name -> learned weight; unknown features (and '') weigh 0."""

    def __missing__(self, key: str) -> float:
        return 0.0


@dataclass(frozen=True, slots=True)
class _LanguageModel:
    """Weights of one language's logistic regression (bias already centres the threshold at 0.5)."""

    bias: float
    weights: _Weights
    word_weight: _Memo  # folded word -> summed weight of its word_features
    signal_weight: dict[str, float]  # SIGNAL_PRIOR + learned correction 'g:<signal>'


def _language_model(bias: float, weights: _Weights, char_ngrams: bool) -> _LanguageModel:
    """Precompute the per-word and per-signal weights of one language."""
    return _LanguageModel(
        bias, weights,
        _Memo(lambda word: sum(map(weights.__getitem__, word_features(word, char_ngrams)))),
        {name: SIGNAL_PRIOR[name] + weights["g:" + name] for name in SIGNALS})


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> dict[str, _LanguageModel]:
    """Read the per-language weights file written by scripts/train_checkworthy.py."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return {lang: _language_model(float(m["bias"]), _Weights((k, float(v)) for k, v in m["weights"].items()),
                                      bool(m["char_ngrams"]))
                for lang, m in raw["languages"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(f"cannot read check-worthiness model {path}: {exc}") from exc


def _sigmoid(x: float) -> float:
    """Logistic function, safe for large |x|."""
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def prior_logit(signals: Iterable[str]) -> float:
    """Sum of the hand-set SIGNAL_PRIOR weights of the fired signals."""
    return sum(map(SIGNAL_PRIOR.__getitem__, signals))


def score_sentence(text: str, language: str | None = None, *, tokens: list[str] | None = None) -> CheckWorthiness:
    """Check-worthiness of one sentence in [0, 1] (0.5 = threshold) and its signals; tokens: text.split() if known."""
    language = language or detect_language(text)
    signals, distinct, n_words = _analyse(text, language, tokens)
    models = load_model()
    model = models.get(language) or models["en"]
    logit = (model.bias + sum(map(model.signal_weight.__getitem__, signals))
             + sum(map(model.word_weight.__getitem__, distinct))
             + sum(map(model.weights.__getitem__, _text_features(text, distinct, n_words))))
    return CheckWorthiness(round(_sigmoid(logit), 4), signals)


def score_batch(records: Iterable[dict]) -> Iterator[dict]:
    """For records {'id', 'text', 'language'?} yield {'id', 'score'} (the CLI's `checkworthy --batch`)."""
    for record in records:
        yield {"id": record["id"], "score": score_sentence(record["text"], record.get("language")).score}
