"""Captions from a shape's real parameters: a small grammar of slots and templates.

Every slot is filled from facts the generator recorded (`Shape.traits`), the primary
part's material (colour word via `colour_name`, material words from the library) and
the measured size, so a caption never claims what the shape does not have.
Templates in `HELD_OUT_TEMPLATES` never appear in `captions_for(..., held_out=False)`;
a dataset can keep them for evaluation of unseen paraphrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from meshsmith.data.colors import colour_name
from meshsmith.data.materials import Material
from meshsmith.data.shape import Shape

SYNONYMS: dict[str, tuple[str, ...]] = {
    "chair": ("chair", "seat"),
    "stool": ("stool", "seat"),
    "bench": ("bench",),
    "sofa": ("sofa", "couch", "settee"),
    "table": ("table",),
    "desk": ("desk", "work desk"),
    "bed": ("bed",),
    "bookshelf": ("bookshelf", "bookcase", "shelf unit"),
    "cabinet": ("cabinet", "storage cabinet"),
    "wardrobe": ("wardrobe", "clothes cabinet"),
    "lamp": ("lamp", "light"),
    "desk_lamp": ("desk lamp", "lamp", "work lamp"),
    "candle": ("candle",),
    "lantern": ("lantern", "lamp"),
    "mug": ("mug", "coffee mug"),
    "cup": ("cup", "teacup"),
    "bowl": ("bowl",),
    "plate": ("plate", "dish"),
    "bottle": ("bottle",),
    "vase": ("vase",),
    "teapot": ("teapot", "tea pot"),
    "jar": ("jar", "storage jar"),
    "barrel": ("barrel",),
    "crate": ("crate", "box"),
    "chest": ("chest",),
    "sign": ("sign",),
    "fence": ("fence", "fence section"),
    "sword": ("sword", "blade"),
    "axe": ("axe",),
    "hammer": ("hammer",),
    "shield": ("shield",),
    "bow": ("bow",),
    "tree": ("tree",),
    "pine": ("pine tree", "pine"),
    "bush": ("bush", "shrub"),
    "rock": ("rock", "stone"),
    "mushroom": ("mushroom",),
    "cactus": ("cactus",),
    "house": ("house", "home"),
    "hut": ("hut",),
    "tower": ("tower",),
    "well": ("well",),
    "car": ("car",),
    "truck": ("truck",),
    "boat": ("boat",),
    "airplane": ("airplane", "plane", "aircraft"),
    "rocket": ("rocket",),
    "drone": ("drone",),
    "robot": ("robot",),
}

_NUMBERS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_PLURALS = {
    "shelf": "shelves",
    "storey": "storeys",
    "seat cushion": "seat cushions",
    "antenna": "antennas",
}
_FAMILY_NOUNS = {
    "wood": "wood",
    "metal": "metal",
    "plastic": "plastic",
    "fabric": "fabric",
    "leather": "leather",
    "stone": "stone",
    "ceramic": "ceramic",
    "glass": "glass",
    "rubber": "rubber",
    "wax": "wax",
}
_ADJECTIVE_ONLY = {"weathered", "painted", "thatched", "wooden", "golden", "shiny"}


@dataclass(frozen=True)
class Template:
    """A caption pattern; ``needs`` lists slots that must be non-empty for it to apply."""

    text: str
    needs: tuple[str, ...] = ()


TEMPLATES: list[Template] = [
    Template("{a} {size} {colour} {material} {noun}"),
    Template("{a} {colour} {noun} {count}", ("colour", "count")),
    Template("{a} {material} {noun} {accent}", ("accent",)),
    Template("{a} {style} {noun} {feature}", ("style",)),
    Template("{a} {noun} made of {material_noun}", ("material_noun",)),
    Template("{a} {noun} in {colour}", ("colour",)),
    Template("{a} {dims} {noun}", ("dims",)),
    Template("{a} {colour} {style} {noun}", ("style",)),
    Template("{a} {size} {noun} {feature}", ("feature",)),
    Template("{a} {material} {noun} {count}", ("count",)),
    Template("{a} {legged} {noun}", ("legged",)),
    Template("3D model of {a} {colour} {noun}"),
    Template("{a} {colour} {material} {noun}, {dims_after}", ("dims_after",)),
    Template("{a} {noun} {feature_count}", ("feature_count",)),
    Template("{a} {size} {style} {colour} {noun}"),
    Template("{noun_cap} {feature}", ("feature",)),
    Template("{a} {noun}"),
]

HELD_OUT_TEMPLATES: list[Template] = [
    Template(
        "{noun_cap} that is {colour} and made of {material_noun}", ("colour", "material_noun")
    ),
    Template("game asset: {colour} {noun} {feature}"),
    Template("I want {a} {material} {noun} {count}"),
    Template("{colour} {noun} ({dims_after})", ("dims_after",)),
    Template("{noun_cap}, {material}, {count}", ("material", "count")),
    Template("a model of {a} {size} {noun} {accent}"),
]


def number_word(n: int) -> str:
    """English word for 0-20, digits beyond."""
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def plural(noun: str) -> str:
    """Plural of a part noun ("leg" -> "legs", "shelf" -> "shelves")."""
    if noun in _PLURALS:
        return _PLURALS[noun]
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    return noun + "s"


def count_phrase(noun: str, n: int, category: str) -> str:
    """ "with four legs", "with one handle", or "in a cluster of three" for the category itself."""
    if noun == category:
        return f"in a cluster of {number_word(n)}"
    return f"with {number_word(n)} {noun if n == 1 else plural(noun)}"


def length_words(metres: float) -> str:
    """A measured length as people say it: "85 cm", "1.2 m", "25 m"."""
    if metres < 1.0:
        return f"{max(1, round(metres * 100))} cm"
    if metres < 10.0:
        return f"{metres:.1f} m"
    return f"{round(metres)} m"


def material_noun(material: Material) -> str:
    """Noun for what a material is made of ("oak", "steel", "wood"); empty if none applies."""
    first = material.words[0] if material.words else ""
    if first and first not in _ADJECTIVE_ONLY:
        return first
    return _FAMILY_NOUNS.get(material.family, "")


def size_words(extents: np.ndarray, size_range: tuple[float, float] | None) -> tuple[str, ...]:
    """Size adjectives true relative to the category's size range (none when in the middle)."""
    if size_range is None:
        return ()
    lo, hi = size_range
    t = (float(np.max(extents)) - lo) / max(hi - lo, 1e-9)
    tall = extents[1] >= max(extents[0], extents[2])
    if t < 0.3:
        return ("short", "small") if tall else ("small", "compact", "little")
    if t > 0.7:
        return ("tall", "large") if tall else ("large", "big")
    return ()


def _article(text: str) -> str:
    """Resolve each "A_" placeholder to "a" or "an" from the word that follows it."""

    def pick(match: re.Match[str]) -> str:
        word = match.group(1)
        if word[0].isdigit():
            number = int(re.match(r"\d+", word).group(0))  # type: ignore[union-attr]
            vowel = str(number).startswith("8") or number in (11, 18)
        elif word.isupper() and len(word) > 1:
            vowel = word[0] in "AEFHILMNORSX"  # acronyms read letter by letter: "an SUV", "a UAV"
        else:
            vowel = word[0].lower() in "aeiou" and not word.lower().startswith(
                ("uni", "use", "eu", "one")
            )
        return ("an " if vowel else "a ") + word

    return re.sub(r"A_ (\S+)", pick, text)


def with_article(phrase: str) -> str:
    """``phrase`` after "a" or "an" as it is read ("an office chair", "a USB lamp")."""
    return _article(f"A_ {phrase}")


def _slots(
    shape: Shape, rng: np.random.Generator, size_range: tuple[float, float] | None
) -> dict[str, str]:
    """One random filling of every slot from the shape's facts."""
    traits = shape.traits
    primary = shape.parts[shape.part_index(traits.primary)].material

    def pick(options: tuple[str, ...] | list[str]) -> str:
        return str(options[int(rng.integers(len(options)))]) if len(options) else ""

    noun = pick(SYNONYMS.get(shape.category, (shape.category.replace("_", " "),)) + traits.nouns)
    colour = colour_name(primary.color) if primary.metallic < 0.5 else ""
    extents = shape.extents
    feature = pick(traits.features)
    # A single part already named by a feature ("with a handle") is not counted again.
    counts = [
        (k, v)
        for k, v in sorted(traits.counts.items())
        if not (v == 1 and any(k in f for f in traits.features))
    ]
    noun_n = counts[int(rng.integers(len(counts)))] if counts else None
    count = count_phrase(*noun_n, shape.category) if noun_n else ""
    feature_count = ""
    if count and feature and count.startswith("with "):
        feature_count = (
            f"{count} and {feature[5:]}" if feature.startswith("with ") else f"{feature}, {count}"
        )
    legs = traits.counts.get("leg", 0)
    accent = ""
    if traits.accents:
        part = shape.parts[shape.part_index(pick(traits.accents))]
        words = [
            colour_name(part.material.color) if part.material.metallic < 0.5 else "",
            pick([w for w in part.material.words if w not in part.name]),
        ]
        singular = not part.name.endswith("s") or part.name.endswith("ss")
        accent = (
            "with " + ("A_ " if singular else "") + " ".join(w for w in (*words, part.name) if w)
        )
    height, length = float(extents[1]), float(max(extents[0], extents[2]))
    dims = f"{length_words(height)} tall" if height >= length else f"{length_words(length)} long"
    return {
        "noun": noun,
        "noun_cap": noun[:1].upper() + noun[1:],
        "colour": colour,
        "material": pick(primary.words),
        "material_noun": material_noun(primary),
        "size": pick(size_words(extents, size_range)),
        "style": pick(traits.styles),
        "feature": feature,
        "count": count,
        "feature_count": feature_count,
        "legged": f"{number_word(legs)}-legged" if legs else "",
        "accent": accent,
        "dims": dims,
        "dims_after": f"about {dims}",
        "a": "A_",
    }


def _render(template: Template, slots: dict[str, str]) -> str | None:
    if any(not slots[k] for k in template.needs):
        return None
    text = template.text.format(**slots)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+,", ",", text).replace(", ,", ",").replace("()", "").strip(" ,")
    # Colour and material can be the same word ("terracotta"); say it once.
    text = re.sub(r"\b(\w+) \1\b", r"\1", text)
    return _article(text)


def captions_for(
    shape: Shape,
    rng: np.random.Generator,
    size_range: tuple[float, float] | None = None,
    n: int = 6,
    held_out: bool = False,
) -> list[str]:
    """``n`` (at least 5 when possible) distinct captions of ``shape``.

    Parameters
    ----------
    shape : Shape
    rng : numpy.random.Generator
        Picks templates and word choices.
    size_range : (float, float), optional
        The category's size range in metres; enables size words ("small", "tall").
    n : int
        How many captions to return.
    held_out : bool
        Use only `HELD_OUT_TEMPLATES` (paraphrases kept out of training) instead of `TEMPLATES`.
    """
    templates = HELD_OUT_TEMPLATES if held_out else TEMPLATES
    out: list[str] = []
    for _ in range(8):
        for i in rng.permutation(len(templates)):
            text = _render(templates[int(i)], _slots(shape, rng, size_range))
            if text and text not in out:
                out.append(text)
            if len(out) >= n:
                return out
    return out
