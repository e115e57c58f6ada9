"""How big a generated asset is in metres.

The model works in the normalised frame (longest side 1); `longest_side` says how
long that side is in metres, in this order:

1. a size the prompt states (`stated_size`: "a vase about 18 cm tall", "a 2 m
   long bench", "a 30-inch wide stool"), along the side it names;
2. the size of the training shapes the latent memory recalls (`Model.recall`),
   kept inside the lower or upper part of their category's size range when the
   prompt says "small" or "large" (`worded_range`);
3. `asset_size`, for a model without a memory or a generation with
   ``memory=False``: a text prompt that names one of the data engine's categories
   ("a red stool", "a tall pine tree") gets that category's plausible size, the
   middle of its `size_range` (geometric mean), or its lower / upper part when the
   prompt says "small" / "large". Anything else, and every image or sketch, is
   `DEFAULT_SIZE` along its longest side.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from meshsmith.errors import InputError

#: Longest side in metres when the prompt names no known category.
DEFAULT_SIZE = 1.0
_SMALL = ("small", "little", "tiny", "compact", "short", "mini")
_LARGE = ("large", "big", "tall", "huge", "giant", "long")
#: Position inside the category's size range (0 = smallest, 1 = largest).
_SMALL_AT, _LARGE_AT = 0.15, 0.85
#: Share of a category's size range at each end that "small" and "large" name.
WORDED_SHARE = 0.3
#: Stated sizes a prompt may ask for, in metres (a grain of rice to a tower).
MIN_STATED, MAX_STATED = 0.001, 1000.0
#: Metres per unit, by every spelling `stated_size` reads.
_UNITS = {
    **dict.fromkeys(("mm", "millimeter", "millimeters", "millimetre", "millimetres"), 0.001),
    **dict.fromkeys(("cm", "centimeter", "centimeters", "centimetre", "centimetres"), 0.01),
    **dict.fromkeys(("m", "meter", "meters", "metre", "metres"), 1.0),
    **dict.fromkeys(("km",), 1000.0),
    **dict.fromkeys(("in", "inch", "inches", '"'), 0.0254),
    **dict.fromkeys(("ft", "foot", "feet", "'"), 0.3048),
}
#: Words after a length that say which side it measures (`StatedSize.along`).
_SIDES = {
    **dict.fromkeys(("tall", "high", "in height"), "height"),
    **dict.fromkeys(
        ("long", "wide", "deep", "across", "in length", "in width", "in diameter"), "across"
    ),
}
_AXIS_WORDS = "|".join(sorted(_SIDES, key=len, reverse=True))
_UNIT_WORDS = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True) if u != "in")
# A number, a unit, and the side it measures if said: "18 cm tall", "2-metre long",
# "1.5m", "30 in wide" (bare "in" only before a side word: "4 in the box" is no size).
_LENGTH = re.compile(
    rf"(?<![\w.,])(?P<number>\d{{1,3}}(?:,\d{{3}})+(?![\d,])|\d+(?:[.,]\d+)?|\.\d+)\s?-?\s?"
    rf"(?:(?P<unit>{_UNIT_WORDS})(?!\w)|(?P<inch>in)(?=\s+(?:{_AXIS_WORDS})\b))"
    rf"(?:[\s-]+(?P<side>{_AXIS_WORDS})\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class StatedSize:
    """A length a prompt states.

    Attributes
    ----------
    metres : float
    along : {"height", "across", "longest"}
        The side it measures: the height ("tall", "high"), the longest side across
        the ground ("long", "wide", "deep", "across", "in diameter"), or, when the
        prompt does not say, the longest side of all.
    """

    metres: float
    along: str

    def longest_side(self, extents: Sequence[float]) -> float:
        """Length in metres of the longest side of a shape with `extents` (any unit,
        ``(x, y, z)``, +Y up) scaled so that its stated side measures `metres`."""
        x, y, z = (float(e) for e in extents)
        measured = {"height": y, "across": max(x, z), "longest": max(x, y, z)}[self.along]
        return self.metres * max(x, y, z) / max(measured, 1e-6 * max(x, y, z))


def stated_size(prompt: str | None) -> StatedSize | None:
    """The first length `prompt` states with a unit (`_UNITS`), or None.

    Raises
    ------
    InputError
        If that length is outside `MIN_STATED`-`MAX_STATED` metres.

    Examples
    --------
    >>> stated_size("blue vase (about 18 cm tall)")
    StatedSize(metres=0.18, along='height')
    >>> stated_size("a 2 m bench"), stated_size("a red chair")
    (StatedSize(metres=2.0, along='longest'), None)
    """
    match = _LENGTH.search(prompt or "")
    if match is None:
        return None
    unit = (match["unit"] or match["inch"]).lower()
    number = match["number"]
    # "1,500 mm" groups thousands; "1,5 m" is a decimal comma.
    thousands = re.fullmatch(r"\d{1,3}(?:,\d{3})+", number) is not None
    number = number.replace(",", "" if thousands else ".")
    metres = round(float(number) * _UNITS[unit], 6)
    if not MIN_STATED <= metres <= MAX_STATED:
        raise InputError(
            f"the size in the prompt, {match[0].strip()!r}, is out of range: sizes must "
            f"be between {MIN_STATED * 1000:g} mm and {MAX_STATED:g} m"
        )
    side = " ".join((match["side"] or "").lower().split())
    return StatedSize(metres, _SIDES.get(side, "longest"))


def longest_side(
    prompt: str | None,
    extents: Sequence[float],
    recalled: float | None,
    category: str | None = None,
) -> float:
    """Longest side in metres of an asset with normalised `extents` generated from
    `prompt` (None: a photo or sketch), the memory having recalled shapes of
    `category` with longest side `recalled` (None: no recall); the order is the
    module's. A recalled size is kept inside the part of the category's size
    range that a size word of the prompt names (`worded_range`).
    """
    stated = stated_size(prompt)
    if stated is not None:
        return stated.longest_side(extents)
    if recalled is not None:
        span = worded_range(prompt, category)
        if span is not None:
            recalled = min(max(recalled, span[0]), span[1])
        return round(recalled, 3)
    return asset_size(prompt)


def worded_range(prompt: str | None, category: str | None = None) -> tuple[float, float] | None:
    """The part of a category's size range (metres) that `prompt` asks for with a
    size word, or None: "small", "short", "little"... its lowest `WORDED_SHARE`,
    "large", "tall", "big"... its highest, as the data engine's captions use them
    (`meshsmith.data.captions.size_words`). The category is `category` (the
    recalled shapes'), else the one the prompt names.

    Examples
    --------
    >>> worded_range("a small stool")  # stool: 0.38-0.85 m
    (0.38, 0.521)
    >>> worded_range("a stool") is None
    True
    """
    words = _words(prompt or "")
    small = any(w in words for w in _SMALL)
    if small == any(w in words for w in _LARGE):  # neither, or both
        return None
    category = category or _category_of(words)
    if category not in _size_ranges():
        return None
    low, high = _size_ranges()[category]
    cut = WORDED_SHARE * (high - low)
    return (low, round(low + cut, 3)) if small else (round(high - cut, 3), high)


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
