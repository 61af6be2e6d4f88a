"""The verdict scale and its mapping onto schema.org ClaimReview's reviewRating."""
from __future__ import annotations

from dataclasses import dataclass

BEST_RATING, WORST_RATING = 5, 1


@dataclass(frozen=True)
class Rating:
    """One label of the scale; ``value`` is None where a number would mislead (Unverifiable)."""

    label: str
    value: int | None
    arabic: str
    description: str


SCALE: tuple[Rating, ...] = (
    Rating("True", 5, "صحيح", "Accurate; nothing significant missing."),
    Rating("Mostly true", 4, "صحيح في معظمه", "Accurate but needs clarification or context."),
    Rating("Misleading", 3, "مضلل", "Contains facts but leaves a false impression."),
    Rating("Mostly false", 2, "خاطئ في معظمه", "Contains an element of truth but is mostly inaccurate."),
    Rating("False", 1, "خاطئ", "Inaccurate."),
    Rating("Unverifiable", None, "لا يمكن التحقق", "Evidence to prove or disprove it is not available."),
)
LABELS: tuple[str, ...] = tuple(r.label for r in SCALE)
_BY_LABEL = {r.label: r for r in SCALE}


def rating(label: str) -> Rating:
    """The scale entry for ``label``; KeyError when it is not on the scale."""
    return _BY_LABEL[label]


def review_rating(label: str) -> dict:
    """schema.org Rating for a ClaimReview's reviewRating."""
    entry = rating(label)
    result: dict = {"@type": "Rating", "alternateName": entry.label,
                    "bestRating": BEST_RATING, "worstRating": WORST_RATING}
    if entry.value is not None:
        result["ratingValue"] = entry.value
    return result
