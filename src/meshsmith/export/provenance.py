"""Provenance: who made an asset, from what, and whether AI generated it.

Every writer embeds `Provenance.as_dict()` where its format has room for metadata:
glTF `asset.extras["meshsmith"]`, OBJ/MTL and PLY header comments, USD
`customLayerData["meshsmith"]`, 3MF `<metadata name="meshsmith:provenance">` and, cut
down to what fits, the 80-byte STL header. `read_provenance` reads any of them back.

`created` honours SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/)
so that the same inputs give byte-identical files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from meshsmith import GENERATOR, __version__
from meshsmith.errors import InputError, MeshLoadError

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def creation_time() -> str:
    """Now, or SOURCE_DATE_EPOCH when set, as UTC 'YYYY-MM-DDTHH:MM:SSZ'."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError, OSError) as error:
            raise InputError(
                f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {epoch!r}"
            ) from error
    else:
        moment = datetime.now(tz=UTC)
    return moment.strftime(TIMESTAMP_FORMAT)


@dataclass(frozen=True)
class Provenance:
    """Metadata embedded in every asset meshsmith writes.

    Attributes
    ----------
    generator : str
        "meshsmith <version>".
    version : str
        meshsmith's version.
    created : str
        UTC time, 'YYYY-MM-DDTHH:MM:SSZ'.
    source_sha256, source_name : str or None
        Hash and file name of the input file (conversion) or image/sketch (generation).
    prompt : str or None
        The text prompt, for generated assets.
    model_id, model_sha256 : str or None
        The generating model and the hash of its weights.
    seed : int or None
        Random seed of the generation.
    ai_generated : bool
        True when a model produced the geometry or texture.
    """

    generator: str = GENERATOR
    version: str = __version__
    created: str = field(default_factory=creation_time)
    source_sha256: str | None = None
    source_name: str | None = None
    prompt: str | None = None
    model_id: str | None = None
    model_sha256: str | None = None
    seed: int | None = None
    ai_generated: bool = False

    @classmethod
    def create(
        cls,
        *,
        source_sha256: str | None = None,
        source_name: str | None = None,
        prompt: str | None = None,
        model_id: str | None = None,
        model_sha256: str | None = None,
        seed: int | None = None,
        ai_generated: bool = False,
    ) -> Provenance:
        """Provenance stamped with this meshsmith version and `creation_time()`."""
        return cls(
            source_sha256=source_sha256,
            source_name=source_name,
            prompt=prompt,
            model_id=model_id,
            model_sha256=model_sha256,
            seed=None if seed is None else int(seed),
            ai_generated=bool(ai_generated),
        )

    @classmethod
    def for_file(cls, path: str | os.PathLike, **kwargs: Any) -> Provenance:
        """Provenance for an asset made from the file at `path` (its name and SHA-256)."""
        path = Path(path)
        return cls.create(source_sha256=sha256_file(path), source_name=path.name, **kwargs)

    def as_dict(self) -> dict[str, Any]:
        """Fields in declaration order, without those that are None."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        """Inverse of `as_dict`; unknown keys (from newer versions) are ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("seed") is not None:
            values["seed"] = int(values["seed"])
        if "ai_generated" in values:
            values["ai_generated"] = bool(values["ai_generated"])
        return cls(**values)


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise MeshLoadError(f"cannot read {path}: {error.strerror or error}") from error
    return digest.hexdigest()


def read_provenance(path: str | os.PathLike) -> dict[str, Any] | None:
    """The provenance dict embedded in a file meshsmith wrote, or None if it has none.

    For STL only what fits in the 80-byte header comes back: `generator`,
    `ai_generated`, `seed` and the first 8 hex digits of the hashes as
    `model_sha256_prefix` / `source_sha256_prefix`.

    Raises
    ------
    MeshLoadError
        The file is missing or unreadable as its format.
    UnsupportedFormatError
        An extension meshsmith does not write.
    """
    # Imported here because the format modules import this one.
    from meshsmith.export.formats import provenance_reader

    path = Path(path)
    reader = provenance_reader(path)
    if not path.is_file():
        raise MeshLoadError(f"file not found: {path}")
    try:
        return reader(path)
    except MeshLoadError:
        raise
    except Exception as error:
        raise MeshLoadError(f"cannot read metadata of {path.name}: {error}") from error
