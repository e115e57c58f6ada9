"""How big a generated asset is in metres.

The model works in the normalised frame (longest side 1). When its latent memory
is used, the asset gets the size of the training shapes it recalls
(`Model.recall`); this module is the fallback for a model without a memory
or a generation with ``memory=False``. A text prompt that names one of the data
engine's categories ("a red stool", "a tall pine tree") gets that category's
plausible size: the middle of its `size_range` (geometric mean), or its lower /
upper part when the prompt says "small" / "large". Anything else, and every image
or sketch, is `DEFAULT_SIZE` along its longest side.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

#: Longest side in metres when the prompt names no known category.
DEFAULT_SIZE = 1.0
_SMALL = ("small", "little", "tiny", "compact", "short", "mini")
_LARGE = ("large", "big", "tall", "huge", "giant", "long")
#: Position inside the category's size range (0 = smallest, 1 = largest).
_SMALL_AT, _LARGE_AT = 0.15, 0.85


def asset_size(prompt: str | None) -> float:
    """Longest side in metres for an asset generated from `prompt` (None: no prompt).

    Examples
    --------
    >>> asset_size("a wooden stool")  # stool: 0.38-0.85 m
    0.568
    >>> asset_size(None)
    1.0
    """
    if not prompt:
        return DEFAULT_SIZE
    words = _words(prompt)
    match = _category_of(words)
    if match is None:
        return DEFAULT_SIZE
    low, high = _size_ranges()[match]
    if any(w in words for w in _SMALL):
        at = _SMALL_AT
    elif any(w in words for w in _LARGE):
        at = _LARGE_AT
    else:
        return round(math.sqrt(low * high), 3)
    return round(low * (high / low) ** at, 3)


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z]+", text.lower()))


def _category_of(words: tuple[str, ...]) -> str | None:
    """The category whose longest synonym appears in `words` (whole words)."""
    text = f" {' '.join(words)} "
    best, best_length = None, 0
    for phrase, category in _synonyms():
        if len(phrase) > best_length and f" {phrase} " in text:
            best, best_length = category, len(phrase)
    return best


@lru_cache(maxsize=1)
def _synonyms() -> tuple[tuple[str, str], ...]:
    """(phrase, category) for every category name and caption synonym, plurals too."""
    from meshsmith.data.captions import SYNONYMS, plural

    pairs = []
    for category, phrases in SYNONYMS.items():
        for phrase in {category.replace("_", " "), *phrases}:
            phrase = " ".join(_words(phrase))
            pairs += [(phrase, category), (plural(phrase), category)]
    return tuple(pairs)


@lru_cache(maxsize=1)
def _size_ranges() -> dict[str, tuple[float, float]]:
    from meshsmith.data.registry import SPECS

    return {name: spec.size_range for name, spec in SPECS.items()}
