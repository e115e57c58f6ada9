"""meshsmith: text, photos and sketches to clean, textured, watertight 3D assets."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("meshsmith")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+local"

GENERATOR = f"meshsmith {__version__}"

__all__ = ["GENERATOR", "Pipeline", "__version__"]


def __getattr__(name: str):
    # `from meshsmith import Pipeline` without making `import meshsmith` pay for torch.
    if name == "Pipeline":
        from meshsmith.pipeline.pipeline import Pipeline

        return Pipeline
    raise AttributeError(f"module 'meshsmith' has no attribute {name!r}")
