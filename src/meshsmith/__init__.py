"""meshsmith: text, photos and sketches to clean, textured, watertight 3D assets."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("meshsmith")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+local"

GENERATOR = f"meshsmith {__version__}"

__all__ = ["GENERATOR", "__version__"]
