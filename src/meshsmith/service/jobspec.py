"""What a job asks for: validated options, the normalised request and its cache key.

The same options arrive as JSON (text jobs) or as multipart form fields (image and sketch
jobs, values as strings); both go through `parse_options`. Unknown or out-of-range options
raise `InputError` with a message naming the option, which the API answers with 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from meshsmith.errors import InputError
from meshsmith.pipeline.size import stated_size

KINDS = ("text", "image", "sketch")
# The writers of meshsmith.export.EXPORTERS (a test keeps them equal); listed here so the
# API process validates requests without importing trimesh.
FORMATS = ("glb", "obj", "usdz", "stl", "3mf", "ply")
TEXTURE_SIZES = (128, 256, 512, 1024, 2048)
FACES_RANGE = (100, 200_000)
SEED_MAX = 2**31 - 1
MAX_PROMPT_CHARS = 300
OPTION_NAMES = ("seed", "faces", "texture_size", "formats", "preview")
# Bump when the meaning of a request changes (2: 16 shifted sampling steps; 3: surfaces
# settled after simplifying, flat bases, stated sizes; 4: no self-crossing surfaces;
# 5: surfaces in pieces extracted again until whole).
CACHE_VERSION = 5


@dataclass(frozen=True)
class JobOptions:
    """Generation options with the defaults filled in."""

    seed: int = 0
    faces: int = 10_000
    texture_size: int = 1024
    formats: tuple[str, ...] = ("glb",)
    preview: bool = False


@dataclass(frozen=True)
class InputFile:
    """An uploaded image or sketch, stored as inputs/`sha256`."""

    sha256: str
    type: str
    bytes: int
    width: int
    height: int


@dataclass(frozen=True)
class JobSpec:
    """A complete, valid request: text with a prompt, or image/sketch with an input file."""

    kind: str
    options: JobOptions = field(default_factory=JobOptions)
    prompt: str | None = None
    input: InputFile | None = None

    @property
    def normalised_prompt(self) -> str | None:
        """Whitespace collapsed and lower case: what the model sees and the cache keys on."""
        return None if self.prompt is None else " ".join(self.prompt.split()).lower()

    def cache_key(self, model_version: str) -> str:
        """sha256 of the model version and everything that decides the result."""
        payload = {
            "v": CACHE_VERSION,
            "model_version": model_version,
            "kind": self.kind,
            "prompt": self.normalised_prompt,
            "input": self.input.sha256 if self.input else None,
            **asdict(self.options),
            "formats": sorted(self.options.formats),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def as_json(self) -> dict[str, Any]:
        """The stored request (and what GET /v1/jobs/{id} shows as `request`)."""
        data: dict[str, Any] = {"kind": self.kind, **asdict(self.options)}
        data["formats"] = list(self.options.formats)
        if self.prompt is not None:
            data["prompt"] = self.prompt
        if self.input is not None:
            data["input"] = asdict(self.input)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobSpec:
        options = JobOptions(
            seed=data["seed"],
            faces=data["faces"],
            texture_size=data["texture_size"],
            formats=tuple(data["formats"]),
            preview=data["preview"],
        )
        upload = InputFile(**data["input"]) if data.get("input") else None
        return cls(kind=data["kind"], options=options, prompt=data.get("prompt"), input=upload)


def text_spec(body: Any) -> JobSpec:
    """A text job from a decoded JSON body."""
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object")
    unknown = sorted(set(body) - {"prompt", *OPTION_NAMES})
    if unknown:
        raise _unknown(unknown, ("prompt", *OPTION_NAMES))
    prompt = body.get("prompt")
    if not isinstance(prompt, str):
        raise InputError("prompt: required, a string")
    prompt = prompt.strip()
    if not prompt:
        raise InputError("prompt: must not be empty")
    if len(" ".join(prompt.split())) > MAX_PROMPT_CHARS:
        raise InputError(f"prompt: at most {MAX_PROMPT_CHARS} characters")
    stated_size(prompt)  # an impossible stated size is refused here, not by a worker
    return JobSpec(kind="text", prompt=prompt, options=parse_options(body, from_form=False))


def parse_options(raw: Mapping[str, Any], from_form: bool) -> JobOptions:
    """Options from JSON values, or from form strings when `from_form`."""
    values: dict[str, Any] = {}
    if raw.get("seed") is not None:
        values["seed"] = _integer(raw["seed"], "seed", 0, SEED_MAX, from_form)
    if raw.get("faces") is not None:
        values["faces"] = _integer(raw["faces"], "faces", *FACES_RANGE, from_form)
    if raw.get("texture_size") is not None:
        size = _integer(raw["texture_size"], "texture_size", 1, 1 << 16, from_form)
        if size not in TEXTURE_SIZES:
            raise InputError(f"texture_size: one of {', '.join(map(str, TEXTURE_SIZES))}")
        values["texture_size"] = size
    if raw.get("formats") is not None:
        values["formats"] = _formats(raw["formats"])
    if raw.get("preview") is not None:
        values["preview"] = _boolean(raw["preview"], from_form)
    return JobOptions(**values)


def _integer(value: Any, name: str, low: int, high: int, from_form: bool) -> int:
    if from_form and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name}: must be an integer")
    if not low <= value <= high:
        raise InputError(f"{name}: must be between {low} and {high}, got {value}")
    return value


def _formats(value: Any) -> tuple[str, ...]:
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError("formats: a list of format names, or one comma-separated string")
    cleaned = tuple(dict.fromkeys(n.strip().lower() for n in names if n.strip()))
    bad = [n for n in cleaned if n not in FORMATS]
    if bad:
        raise InputError(f"formats: unknown {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    if not cleaned:
        raise InputError(f"formats: name at least one of {', '.join(FORMATS)}")
    return cleaned


def _boolean(value: Any, from_form: bool) -> bool:
    if from_form and isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if not isinstance(value, bool):
        raise InputError("preview: must be true or false")
    return value


def _unknown(names: list[str], allowed: tuple[str, ...]) -> InputError:
    return InputError(f"unknown option(s) {', '.join(names)}; allowed: {', '.join(allowed)}")
