"""What `meshsmith eval` evaluates: anything that turns a prompt, an image or a sketch
into a mesh.

A `Generator` answers ``text(prompt, seed)``, ``image(rgb, seed)`` and
``sketch(rgb, seed)`` with a mesh in metres, +Y up, standing on y = 0. The baselines
(`meshsmith.eval.baselines`) implement it; trained models register a factory in
`MODELS` under their name, and checkpoint files a loader in `CHECKPOINT_LOADERS`
under their suffix. A trained model's generator may also carry ``autoencoder``, the
model whose ``encode_shape``, ``field`` and ``appearance`` `meshsmith.eval.autoencoding`
scores (``meshsmith eval --autoencoder``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import trimesh

from meshsmith.errors import InputError


@runtime_checkable
class Generator(Protocol):
    """A text-, image- and sketch-conditioned shape generator.

    Attributes
    ----------
    name : str
        Shown in reports.
    """

    name: str

    def text(self, prompt: str, seed: int = 0) -> trimesh.Trimesh:
        """A mesh (metres) for `prompt`; the same seed gives the same mesh."""
        ...

    def image(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        """A mesh (metres) for an (H, W, 3 or 4) uint8 sRGB image.

        Raises NotImplementedError when the generator has no image route.
        """
        ...

    def sketch(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        """A mesh (metres) for a line drawing: (H, W) uint8 grey or (H, W, 3 or 4) uint8
        sRGB, dark lines on a light background (the dataset's sketch renders are
        (H, W), black on white).

        Raises NotImplementedError when the generator has no sketch route.
        """
        ...


#: Model name -> factory of its generator (the model stage fills this in).
MODELS: dict[str, Callable[[], Generator]] = {}
#: Checkpoint file suffix (".safetensors") -> loader of a generator from that file.
CHECKPOINT_LOADERS: dict[str, Callable[[Path], Generator]] = {}


def load_generator(spec: str) -> Generator:
    """The generator named `spec` in `MODELS`, or loaded from the checkpoint file `spec`
    (or from a training run folder's ``model.safetensors``).

    Raises
    ------
    InputError
        Neither a registered name nor a checkpoint file of a registered suffix.
    """
    import meshsmith.pipeline.eval_adapter  # noqa: F401 - registers the trained models

    if spec in MODELS:
        return MODELS[spec]()
    path = Path(spec)
    if path.is_dir():  # a training run folder: its model file
        path = path / "model.safetensors"
    loader = CHECKPOINT_LOADERS.get(path.suffix.lower())
    if path.is_file() and loader is not None:
        return loader(path)
    known = ", ".join(sorted(MODELS)) or "none yet"
    raise InputError(f"no model named {spec}; models arrive with training (registered: {known})")
