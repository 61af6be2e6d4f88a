"""Both interface catalogues have the same keys and the same {placeholders}; code uses only known keys."""
from __future__ import annotations

import re
import string
from pathlib import Path

from app_pages.i18n import catalogue

ROOT = Path(__file__).resolve().parents[1]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys_and_placeholders():
    en, ar = catalogue("en"), catalogue("ar")
    assert set(en) == set(ar)
    for key in en:
        if key.endswith((".zero", ".one", ".two")):  # "ادعاءان": a dual or singular form may spell the number out
            assert _fields(ar[key]) <= _fields(en[key]), key
        else:
            assert _fields(en[key]) == _fields(ar[key]), key
        assert ar[key].strip(), key


def test_every_literal_key_used_in_code_exists():
    used = set()
    for path in [ROOT / "dashboard.py", *(ROOT / "app_pages").glob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "no t('...') calls found"
    assert used <= set(catalogue("en")), sorted(used - set(catalogue("en")))
    plural = set()
    for path in [ROOT / "dashboard.py", *(ROOT / "app_pages").glob("*.py")]:
        plural |= set(re.findall(r"""\btn\(\s*["']([a-z_]+\.[a-z_.]+)["']""", path.read_text(encoding="utf-8")))
    assert plural and all(f"{key}.other" in catalogue("en") for key in plural), plural


def test_plural_forms_follow_each_language():
    from app_pages.i18n import plural_category

    assert [plural_category("en", n) for n in (0, 1, 2, 5)] == ["other", "one", "other", "other"]
    assert [plural_category("ar", n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 103, 111)] == [
        "zero", "one", "two", "few", "few", "many", "many", "other", "few", "many"]


def test_every_dynamic_key_family_is_complete():
    from review.checkworthy import SIGNALS
    from review.workflow import ROLES, STATUSES

    families = {"status": STATUSES, "role": ROLES, "signal": SIGNALS,
                "stance": ("supports", "refutes", "discusses", "unknown"),
                "link": ("suggested", "confirmed", "rejected"), "kind": ("article", "headline", "factcheck"),
                "why": ("shared_words", "shared_numbers", "conflicting_numbers", "shared_names"),
                "signoff": ("approve", "return")}
    en = catalogue("en")
    missing = [f"{prefix}.{value}" for prefix, values in families.items() for value in values
               if f"{prefix}.{value}" not in en]
    assert not missing
