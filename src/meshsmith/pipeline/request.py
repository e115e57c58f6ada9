"""One generation request: a checked prompt, photo or sketch, and where it came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from meshsmith.errors import InputError

if TYPE_CHECKING:  # trimesh and the texture stage are a second of imports
    import trimesh

    from meshsmith.pipeline.texture import PhotoColours

MAX_PROMPT_CHARS = 300


@dataclass(frozen=True)
class Request:
    """A condition for the model.

    Attributes
    ----------
    kind : {"text", "image", "sketch"}
    prompt : str or None
        The stripped prompt (text requests).
    pixels : ndarray or None
        ``(H, W, 4) uint8`` RGBA photo, background alpha 0 (image requests), or
        ``(H, W) uint8`` line drawing, dark on white (sketch requests).
    source_sha256, source_name : str or None
        SHA-256 of the input as given (file bytes, or pixel bytes for arrays) and its
        file name, for provenance.
    """

    kind: str
    prompt: str | None = None
    pixels: np.ndarray | None = None
    source_sha256: str | None = None
    source_name: str | None = None

    @classmethod
    def from_text(cls, prompt: Any) -> Request:
        """Raises `InputError` for a non-string, empty or over-long prompt, or one
        that states an impossible size (`meshsmith.pipeline.size.stated_size`)."""
        if not isinstance(prompt, str):
            raise InputError(f"the prompt must be text, got {type(prompt).__name__}")
        text = " ".join(prompt.split())
        if not text:
            raise InputError("the prompt is empty")
        if len(text) > MAX_PROMPT_CHARS:
            raise InputError(
                f"the prompt is {len(text)} characters long; the limit is {MAX_PROMPT_CHARS}"
            )
        from meshsmith.pipeline.size import stated_size

        stated_size(text)
        return cls("text", prompt=text)

    @classmethod
    def from_image(cls, source: Any) -> Request:
        """A photo: path, bytes, ``(H, W, 3|4) uint8`` array or PIL image."""
        from meshsmith.pipeline.inputs import load_image

        return cls("image", pixels=load_image(source), **_source_info(source))

    @classmethod
    def from_sketch(cls, source: Any) -> Request:
        """A line drawing: path, bytes, array or PIL image (canvas PNG or photo of paper)."""
        from meshsmith.pipeline.inputs import load_sketch

        return cls("sketch", pixels=load_sketch(source), **_source_info(source))

    def describe(self) -> dict[str, Any]:
        """The JSON-safe `Asset.condition`."""
        out: dict[str, Any] = {"kind": self.kind, "prompt": self.prompt}
        if self.source_sha256 is not None:
            out["source_sha256"] = self.source_sha256
        return out

    def photo_colours(self, mesh: trimesh.Trimesh) -> PhotoColours | None:
        """For a photo: colours projected onto `mesh` (normalised frame); else None."""
        if self.kind != "image":
            return None
        from meshsmith.pipeline.project import project_photo

        frozen = mesh.copy()  # the pipeline moves its own mesh into metres afterwards
        rgba = self.pixels

        def colours(points: np.ndarray, normals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return project_photo(frozen, rgba, points, normals)

        return colours


def _source_info(source: Any) -> dict[str, str | None]:
    """Hash (and file name) of an input image as the caller gave it."""
    if isinstance(source, str | Path):
        from meshsmith.export.provenance import sha256_file

        path = Path(source)
        return {"source_sha256": sha256_file(path), "source_name": path.name}
    if isinstance(source, bytes | bytearray | memoryview):
        return {"source_sha256": hashlib.sha256(bytes(source)).hexdigest(), "source_name": None}
    pixels = np.ascontiguousarray(np.asarray(source))
    digest = hashlib.sha256(str(pixels.shape).encode() + pixels.tobytes()).hexdigest()
    return {"source_sha256": digest, "source_name": None}
