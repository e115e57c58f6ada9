"""Typed errors. The CLI turns each into one line on stderr and an exit code.

`InputError` and its children mean the user's input was bad (exit 2); any other
`MeshsmithError` is an internal failure (exit 1).
"""


class MeshsmithError(Exception):
    """Base of every error meshsmith raises on purpose."""

    exit_code = 1


class InputError(MeshsmithError):
    """The input (a file, an option, a prompt) is unusable as given."""

    exit_code = 2


class MeshLoadError(InputError):
    """A mesh file is missing, corrupt or holds no usable geometry."""


class UnsupportedFormatError(InputError):
    """A file extension or format name that meshsmith cannot read or write."""


class InvalidMeshError(InputError):
    """Geometry that cannot be processed: empty, NaN/inf coordinates, bad indices."""


class GeometryError(MeshsmithError):
    """A geometry operation failed on input that looked valid."""


class ExportError(MeshsmithError):
    """Writing an asset failed."""


class RenderError(MeshsmithError):
    """The renderer could not create a context or draw."""
