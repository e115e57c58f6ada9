"""The loaded model as the pipeline drives it: encode, sample, query the field.

Precision is chosen once, at load (`GenerationConfig.precision`):

- ``fp32``: eager PyTorch.
- ``bf16``: the prior and the field decoder run under CPU bf16 autocast; the
  decoded feature planes and the sampler's state stay fp32.
- ``int8``: the Linear layers of the prior and of the field MLP are replaced by
  dynamically quantised int8 ones (``torch.ao.quantization.quantize_dynamic``);
  convolutions and attention products stay fp32.

`meshsmith bench --only generate` measures each against fp32 (speed and the
Chamfer distance / IoU between the meshes they give for the same seed).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor, nn

from meshsmith.export.provenance import sha256_file
from meshsmith.models.model import BUILTIN_DIR, Model, load_model, resolve_model_path
from meshsmith.models.text_encoder import get_text_encoder
from meshsmith.models.triplane import split_outputs

if TYPE_CHECKING:
    from meshsmith.models.memory import Recalled
    from meshsmith.models.prior import Condition
    from meshsmith.pipeline.request import Request

#: Field query points per forward pass. The MLP's activations (8 MB each) then come
#: from the heap and are reused chunk after chunk; at 131072 points each was a fresh
#: 67 MB mmap, page-faulted in and handed back to the OS (0.4 s of system time in a
#: cold field stage, 0.2 s warm). Each point's values do not depend on the chunk.
QUERY_CHUNK = 16384
#: Hex digits of the weights' SHA-256 in `ModelRuntime.version`.
VERSION_DIGITS = 12
#: The sampler's time grid (`FlowPrior.sample`): steps bunched towards the noise. On 30
#: test prompts (one per category) 16 steps on this grid scored as 24 even steps
#: (Chamfer-L1 0.070 vs 0.069, F@0.02 0.218 vs 0.214, category accuracy 0.40 both)
#: for a third less sampling time.
TIME_SHIFT = 3.0


@dataclass
class ModelRuntime:
    """A model ready for inference at a given precision.

    Attributes
    ----------
    model : Model
    name : str
        "default" for a built-in model, else the file's (or run folder's) name.
    sha256 : str
        Hash of the weights file.
    precision : str
    """

    model: Model
    name: str
    sha256: str
    precision: str

    @property
    def version(self) -> str:
        """Short content hash of the weights (cache keys, provenance)."""
        return self.sha256[:VERSION_DIGITS]

    @classmethod
    def load(cls, spec: str | Path, precision: str = "fp32") -> ModelRuntime:
        """Load a built-in name, a ``.safetensors`` file or a run folder."""
        path = resolve_model_path(spec)
        model = load_model(path)
        if precision == "int8":
            quantize_linear_layers(model)
        get_text_encoder()  # loaded with the model, not inside the first request's timing
        # A run folder's model is always model.safetensors: the folder names it.
        run_model = path.name == "model.safetensors" and path.parent != BUILTIN_DIR
        return cls(
            model, path.parent.name if run_model else path.stem, sha256_file(path), precision
        )

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.precision == "bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    # -- stages --------------------------------------------------------------------------
    def encode(self, requests: list[Request]) -> Condition:
        """One `Condition` row per request (all of one kind)."""
        kind = requests[0].kind
        if kind == "text":
            return self.model.encode_text([r.prompt for r in requests])
        if kind == "image":
            return self.model.encode_image([r.pixels for r in requests])
        return self.model.encode_sketch([r.pixels for r in requests])

    def sample(
        self,
        condition: Condition,
        seed: int,
        steps: int,
        guidance: float,
        memory: bool = True,
        recalled: Recalled | None = None,
    ) -> Tensor:
        """Latents ``(B, 3, c, r, r)``; row i from noise seeded by ``seed + i``, started
        from the model's latent memory when it has one and `memory` is set (from
        `recalled`, when the caller has already made the recall)."""
        with self._autocast():
            latents = self.model.sample_latent(
                condition,
                seed=seed,
                steps=steps,
                guidance=guidance,
                shift=TIME_SHIFT,
                recall=memory,
                recalled=recalled,
            )
        return latents.float()

    def field_query(self, latent: Tensor) -> Callable[[np.ndarray], np.ndarray]:
        """``query(points (n, 3) float32) -> (n, 6) float32`` for one latent ``(3, c, r, r)``.

        Columns: sdf (negative inside), linear albedo (3), roughness, metallic.
        The feature planes are decoded once, here.
        """
        planes = self.model.planes(latent)
        decoder = self.model.autoencoder

        def query(points: np.ndarray) -> np.ndarray:
            tensor = torch.from_numpy(np.ascontiguousarray(points, dtype=np.float32))
            out = np.empty((len(tensor), 6), dtype=np.float32)
            with torch.inference_mode(), self._autocast():
                for start in range(0, len(tensor), QUERY_CHUNK):
                    chunk = tensor[start : start + QUERY_CHUNK]
                    sdf, albedo, roughness, metallic = split_outputs(
                        decoder.query(planes, chunk[None])[0]
                    )
                    out[start : start + len(chunk), 0] = sdf.numpy()
                    out[start : start + len(chunk), 1:4] = albedo.numpy()
                    out[start : start + len(chunk), 4] = roughness.numpy()
                    out[start : start + len(chunk), 5] = metallic.numpy()
            return out

        return query


def quantize_linear_layers(model: Model) -> None:
    """Swap the prior's and the field MLP's Linear layers for dynamic int8 ones, in place."""
    with warnings.catch_warnings():
        # torch.ao.quantization warns that it will move to torchao; it still works here.
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic

        for owner, name in ((model, "prior"), (model.autoencoder, "mlp")):
            module: nn.Module = getattr(owner, name)
            setattr(owner, name, quantize_dynamic(module, {nn.Linear}, dtype=torch.qint8))
