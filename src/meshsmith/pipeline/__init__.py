"""Generation: a prompt, photo or sketch → latent → field → mesh → textures → asset.

    from meshsmith import Pipeline
    pipe = Pipeline.load()                    # "default", a .safetensors file or a run folder
    asset = pipe.text("a red stool", seed=1)
    asset.save("stool.glb")

Modules, in the order data flows through them: ``request`` (checked inputs),
``runtime`` (the model at a precision: encode, sample, field queries), ``field``
(the field on the extraction grid, kept for baking), ``surface`` (marching cubes,
cleanup), ``size`` (metres), ``texture`` (baking), ``pipeline`` (the timed
stages, `Pipeline` and `Asset`), ``commands`` (`meshsmith generate`).
The names below load their module on first use, so importing this package is cheap.
"""

from importlib import import_module

_EXPORTS = {
    "Pipeline": "pipeline",
    "Asset": "pipeline",
    "STAGES": "pipeline",
    "GenerationConfig": "config",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"meshsmith.pipeline.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'meshsmith.pipeline' has no attribute {name!r}")
