"""Tests for sentence splitting, check-worthiness signals and claim extraction."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from review.checkworthy import (MODEL_PATH, SIGNAL_PRIOR, SIGNALS, features, load_model, score_batch, score_sentence,
                                signals_of, word_features)
from review.claims import (ClaimsError, extract_claims, is_boilerplate, split_sentences)

FIXTURE = Path(__file__).parent / "fixtures" / "claims" / "aggregator-page-ar.txt"


def _article() -> tuple[str, str]:
    """(title, body) of the sample page: the line before 'نشر في', then everything after it."""
    lines = FIXTURE.read_text(encoding="utf-8").split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith("نشر في الأول يوم 03 - 05 - 2016"))
    return lines[i - 1], "\n".join(lines[i + 1:])


@pytest.mark.parametrize(("text", "expected"), [
    ("The rate rose to 3.5% in May. Officials said it was 11.6 points.",
     ["The rate rose to 3.5% in May.", "Officials said it was 11.6 points."]),
    ("Mr. Smith met Dr. Jones in the U.S. on Monday. They talked.",
     ["Mr. Smith met Dr. Jones in the U.S. on Monday.", "They talked."]),
    ("Fruit, e.g. apples, etc. are sold here. Really?", ["Fruit, e.g. apples, etc. are sold here.", "Really?"]),
    ("ارتفع الرقم إلى 36,7 مليار درهم. وقال الوزير ذلك.", ["ارتفع الرقم إلى 36,7 مليار درهم.", "وقال الوزير ذلك."]),
    ("هل يبدأ إنييستا فصلاً جديدًا؟ نعم بالتأكيد", ["هل يبدأ إنييستا فصلاً جديدًا؟", "نعم بالتأكيد"]),
    ("قال د. أحمد إن الوضع خطير. وأضاف أ. محمد ذلك", ["قال د. أحمد إن الوضع خطير.", "وأضاف أ. محمد ذلك"]),
    ("أولا؛ ثانيا; ثالثا", ["أولا؛", "ثانيا;", "ثالثا"]),
    ("وثائق خطيرة.. داعش سمحت لقوات بشار الأسد بدخول مدينة تدمر باتفاق",
     ["وثائق خطيرة.. داعش سمحت لقوات بشار الأسد بدخول مدينة تدمر باتفاق"]),
    ("فيضانات غير مسبوقة تجتاح الغرب... آلاف المتضررين", ["فيضانات غير مسبوقة تجتاح الغرب...", "آلاف المتضررين"]),
    ('وقال "الوضع خطير. والحل بعيد" ثم غادر.', ['وقال "الوضع خطير. والحل بعيد" ثم غادر.']),
    ("قال «لن نتراجع. أبدا» أمس. وانتهى", ["قال «لن نتراجع. أبدا» أمس.", "وانتهى"]),
    ('He said "we won." Then he left!', ['He said "we won."', "Then he left!"]),
    ("line one\nline two", ["line one", "line two"]),
    ("Wait! What?! Fine.", ["Wait!", "What?!", "Fine."]),
    ("", []),
])
def test_split_sentences(text: str, expected: list[str]) -> None:
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == expected
    assert all(text[s.start:s.end] == s.text for s in sentences)


def test_split_cuts_very_long_sentences_at_arabic_comma() -> None:
    clause = "وقال المسؤول إن الوضع في المدينة مستقر تماما منذ أيام طويلة"
    text = "، ".join([clause] * 20) + "."
    sentences = split_sentences(text)
    assert len(sentences) > 1
    assert all(len(s.text) <= 420 for s in sentences)
    assert all(text[s.start:s.end] == s.text for s in sentences)


def test_split_offsets_on_real_page() -> None:
    _, body = _article()
    sentences = split_sentences(body)
    assert len(sentences) >= 18
    assert all(body[s.start:s.end] == s.text == s.text.strip() for s in sentences)


@pytest.mark.parametrize(("text", "signal"), [
    ("The government spent 300 on the new program last week", "number"),
    ("الحكومة أنفقت ٣٠٠ على البرنامج الجديد الأسبوع الماضي", "number"),
    ("The country exported 3 million tonnes of wheat last year", "quantity"),
    ("ارتفع رقم المعاملات إلى 36,7 مليار درهم هذا العام", "quantity"),
    ("Unemployment went up by 4% over the past twelve months", "percent"),
    ("نمو بنسبة ٪11 في تمويل الشركات الصغيرة بالصين", "percent"),
    ("The bridge was opened to traffic in March 2016 by officials", "date"),
    ("ذكرت صحيفة محلية أن المشروع توقف بالكامل منذ أشهر", "attribution"),
    ("وفق البيانات الرسمية فإن المشروع توقف بالكامل", "attribution"),
    ("According to the ministry the project has been halted", "attribution"),
    ("the project was halted after the Ministry of Health intervened", "named_entity"),
    ("أعلنت وزارة الصحة توقف المشروع بالكامل منذ أشهر", "named_entity"),
    ("أعلنت الوزارة توقف المشروع بالكامل منذ أشهر طويلة", "factual_verb"),
    ("Police arrested five men after the riot in the city", "factual_verb"),
    ('He told reporters "we will never accept this deal" on Monday', "quotation"),
    ("قال المتحدث «لن نقبل بهذا الاتفاق أبدا» يوم الاثنين", "quotation"),
    ("هذه أعلى نسبة تسجلها البلاد منذ عشر سنوات كاملة", "comparison"),
    ("This is the highest level the country has ever seen", "comparison"),
    ("ربما يكون الاتفاق قد وقع في الأسبوع الماضي فعلا", "hedge"),
    ("The deal might have been signed in secret last week", "hedge"),
    ("أعتقد أن هذا القرار خاطئ ويضر بالمواطنين كثيرا", "opinion"),
    ("I think the government should resign right now today", "opinion"),
    ("هل وقعت الحكومة الاتفاق مع الشركة الأجنبية فعلا؟", "question"),
    ("Did the minister really sign the agreement last week?", "question"),
    ("Breaking news today", "too_short"),
])
def test_signal_fires(text: str, signal: str) -> None:
    assert signal in signals_of(text)
    assert signal in score_sentence(text).signals


@pytest.mark.parametrize(("text", "signal"), [
    ("the weather is nice and everyone went to the beach", "number"),
    ("الطقس جميل وذهب الجميع إلى الشاطئ في المساء", "attribution"),
    ("وكانت القوات قد تمكنت من استعادة المدينة الشهر الماضي", "hedge"),  # قد + past tense is not a hedge
    ('سيطر تنظيم "الدولة الإسلامية" على المدينة العام الماضي', "quotation"),  # scare quotes, not a quote
    ("The weather is nice and everyone went to the beach today", "too_short"),
])
def test_signal_does_not_fire(text: str, signal: str) -> None:
    assert signal not in signals_of(text)


def test_signals_are_known_names_in_fixed_order() -> None:
    signals = signals_of("قال الوزير إن نسبة البطالة ارتفعت إلى 12% في مارس 2020، وهي الأعلى منذ عقد؟")
    assert set(signals) <= set(SIGNALS)
    assert signals == sorted(signals, key=SIGNALS.index)


@pytest.mark.parametrize("text", ["", "x", "؟؟؟", "3", "The", "قال الوزير " * 200,
                                  "Health ministry reports 1,200 new cases, the highest since March 2020."])
def test_scores_are_in_unit_interval(text: str) -> None:
    assert 0.0 <= score_sentence(text).score <= 1.0


def test_factual_sentence_outscores_opinion_and_question() -> None:
    fact = score_sentence("أعلنت وزارة الصحة تسجيل 1200 إصابة جديدة بفيروس كورونا أمس، وهو أعلى رقم منذ مارس").score
    opinion = score_sentence("أعتقد أن علينا أن نصبر ونتمنى الخير للجميع").score
    question = score_sentence("هل تعتقد أن الأمور ستتحسن قريبا؟").score
    assert fact > opinion and fact > question


def test_model_file_has_both_languages() -> None:
    model = load_model()
    assert {"ar", "en"} <= model.keys()
    assert all(m.weights for m in model.values())


@pytest.mark.parametrize("line", [
    "انقر هنا لقراءة الخبر من مصدره.", "اقرأ أيضا: الحكومة تعلن خطة جديدة", "Read more: the new plan",
    "Click here to subscribe to our newsletter", "شكرا على الإبلاغ!",
    "سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص.",
    "Share this article on Facebook and Twitter",
])
def test_boilerplate_is_recognised(line: str) -> None:
    assert is_boilerplate(line)


def test_boilerplate_never_becomes_a_claim() -> None:
    body = ("سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص.\n"
            "أعلنت وزارة الصحة تسجيل 1200 إصابة جديدة أمس.\n"
            "انقر هنا لقراءة الخبر من مصدره وتابعونا على 5 منصات.")
    claims = extract_claims("", body, min_score=0.0)
    assert [c.text for c in claims] == ["أعلنت وزارة الصحة تسجيل 1200 إصابة جديدة أمس."]


def test_short_sentences_are_not_claims() -> None:
    assert extract_claims("", "قتل 5 أشخاص. The minister resigned.", min_score=0.0) == []


def test_sample_page_top_claims() -> None:
    title, body = _article()
    claims = extract_claims(title, body)
    top = [c.text for c in claims[:8]]
    wanted = ["كانت بين 22 ألف ملف حصلت عليها قناة سكاي نيوز",
              "نشرت وسائل إعلام غربية وثائق مسرّبة",
              "لمقايضة النفط بالأسمدة",
              "ذكرت صحيفة دايل ميل أنها لم تتمكن من التحقق"]
    for phrase in wanted:
        assert any(phrase in text for text in top), phrase
    assert next(line for line in body.split("\n") if line.strip()) in top  # the secret deal is the first body sentence
    for c in claims:
        source = title if c.in_title else body
        assert source[c.start:c.end] == c.text
        assert c.signals and 0.0 <= c.score <= 1.0
    assert [c.score for c in claims] == sorted((c.score for c in claims), reverse=True)
    assert not any("انقر هنا" in c.text or "نشر في" in c.text for c in claims)


def test_extract_claims_rejects_bad_min_score() -> None:
    with pytest.raises(ClaimsError):
        extract_claims("t", "b", min_score=1.5)


def test_score_batch_yields_id_and_score() -> None:
    records = [{"id": "a", "text": "Police arrested 5 men on Monday, the ministry said.", "language": "en"},
               {"id": "b", "text": "أعلنت الوزارة تسجيل 1200 إصابة جديدة أمس"}]
    out = list(score_batch(records))
    assert [r["id"] for r in out] == ["a", "b"]
    assert all(set(r) == {"id", "score"} and 0.0 <= r["score"] <= 1.0 for r in out)
    assert out[0]["score"] == score_sentence(records[0]["text"], "en").score


@pytest.mark.parametrize(("line", "expected"), [
    ("نشر في الأول يوم 03 - 05 - 2016", True), ("المصدر : واس", True), ("We use cookies on this site", True),
    ("شاركوا هذا الخبر مع أصدقائكم", True), ("Related stories: more floods", True), ("ADVERTISEMENT", True),
    ("وقال إن التقرير نشر في صحيفة محلية أمس", False), ("The sharecropper said he was paid", False),
    ("Advertisement revenue fell by 5% last year", False),
])
def test_boilerplate_patterns_with_anchors_and_optional_parts(line: str, expected: bool) -> None:
    assert is_boilerplate(line) is expected


@pytest.mark.parametrize("text", ["أعلنت وزارة الصحة تسجيل 1200 إصابة جديدة أمس، وفق البيان",
                                  "Police said 5 men were arrested on Monday, according to reports."])
def test_score_with_given_tokens_equals_plain_score(text: str) -> None:
    assert score_sentence(text, tokens=text.split()) == score_sentence(text)


def test_word_features_of_arabic_and_english_words() -> None:
    assert word_features("والوزارة")[:2] == ("w:والوزارة", "s:وزارة")
    arabic = set(word_features("والوزارة"))
    assert {"c:<وا", "c:ارة>", "c:<والو"} <= arabic and "c:<والوز" not in arabic  # 3..5-grams of '<word>'
    assert word_features("والوزارة", char_ngrams=False) == ("w:والوزارة", "s:وزارة")
    assert word_features("cases", char_ngrams=False) == ("w:cases",)  # no stem for ASCII words
    assert word_features("2020") == ()  # digits count once per text, as 'w:0'


def test_text_level_features() -> None:
    feats = features("عاجل: وزارة الصحة تسجل 1200 إصابة #كورونا @who https://t.co/x", "ar", char_ngrams=False)
    assert {"w:0", "x:url", "x:hashtag", "x:mention", "x:len0", "g:number", "g:named_entity"} <= feats.keys()
    assert "x:url" not in features("a plain sentence without any links in it at all", "en")
    long_text = " ".join(["word"] * 55)
    assert "x:len4" in features(long_text, "en") and "x:len0" not in features(long_text, "en")


@pytest.mark.parametrize(("text", "language"), [
    ("أعلنت وزارة الصحة تسجيل 1200 إصابة جديدة بفيروس كورونا أمس #عاجل https://t.co/abc", "ar"),
    ("ويبدو أن الوثائق توضح أيضاً أن التنظيم ونظام الأسد قد أبرما اتفاقاً", "ar"),
    ("Health ministry reports 1,200 new cases, the highest since March 2020 @WHO", "en"),
    ("I think we should all stay home and hope for the best", "en"),
])
def test_fast_score_equals_the_trained_linear_model(text: str, language: str) -> None:
    """score_sentence's cached per-word sums equal the linear model the trainer fits over features()."""
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["languages"][language]
    feats = features(text, language, char_ngrams=raw["char_ngrams"])
    logit = raw["bias"] + sum(SIGNAL_PRIOR[f[2:]] for f in feats if f.startswith("g:"))
    logit += sum(raw["weights"].get(f, 0.0) * n for f, n in feats.items())
    assert score_sentence(text, language).score == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-4)


def test_model_file_is_small_and_says_how_it_was_trained() -> None:
    assert MODEL_PATH.stat().st_size < 2_000_000
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    for language in ("ar", "en"):
        m = raw["languages"][language]
        assert isinstance(m["char_ngrams"], bool) and 0.0 < m["cv_threshold"] < 1.0
        assert any(f.startswith("w:") for f in m["weights"])
