"""Models: text encoder, image/sketch encoders, triplane autoencoder, flow prior.

Where a prompt becomes a latent and a latent a field:

- ``text_encoder`` (+ ``bert``): frozen all-MiniLM-L6-v2 sentence encoder.
- ``image_prep``, ``image_encoder``: photos and sketches to condition tokens.
- ``triplane``: surface points with material → latent → SDF + material field.
- ``prior``: flow-matching transformer from a condition to a latent.
- ``model``: all of them behind one object; `load_model`.
- ``config``, ``weights``: typed configs and safetensors I/O.

The names below load their module on first use so ``import meshsmith.models`` is cheap.
"""

from importlib import import_module

_EXPORTS = {
    "Model": "model",
    "load_model": "model",
    "FIELD_LEVEL": "model",
    "FIELD_INSIDE": "model",
    "ModelConfig": "config",
    "Condition": "prior",
    "get_text_encoder": "text_encoder",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"meshsmith.models.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'meshsmith.models' has no attribute {name!r}")
