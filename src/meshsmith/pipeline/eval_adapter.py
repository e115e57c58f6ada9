"""The pipeline as a `meshsmith.eval.generators.Generator`, for `meshsmith eval --model`.

Importing this module registers the built-in model under ``MODELS["default"]`` and
``.safetensors`` files under ``CHECKPOINT_LOADERS``; `load_generator` imports it
lazily. Outputs are the pipeline's final meshes: textured, in metres (photos and
sketches at the pipeline's rule-given size, which the own-box metrics discount).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from meshsmith.eval.generators import CHECKPOINT_LOADERS, MODELS
from meshsmith.pipeline.pipeline import Pipeline


class PipelineGenerator:
    """Text, image and sketch routes of a loaded `Pipeline`.

    Parameters
    ----------
    pipeline : Pipeline

    Attributes
    ----------
    autoencoder : meshsmith.models.model.Model
        The loaded model, for `meshsmith.eval.autoencoding` (``eval --autoencoder``).
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.name = pipeline.model_name
        self.autoencoder = pipeline.runtime.model

    def text(self, prompt: str, seed: int = 0) -> trimesh.Trimesh:
        return self.pipeline.text(prompt, seed=seed).mesh

    def image(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        return self.pipeline.image(np.asarray(rgb), seed=seed).mesh

    def sketch(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        return self.pipeline.sketch(np.asarray(rgb), seed=seed).mesh


def load_checkpoint(path: Path) -> PipelineGenerator:
    """A generator for a model file (``.safetensors``)."""
    return PipelineGenerator(Pipeline.load(path))


MODELS["default"] = lambda: PipelineGenerator(Pipeline.load("default"))
CHECKPOINT_LOADERS[".safetensors"] = load_checkpoint
