"""Reading and writing asset files (GLB, OBJ+MTL, USDZ, STL, 3MF, PLY) with provenance.

    from meshsmith.export import Provenance, load_mesh, save
    mesh = load_mesh("chair.obj")
    save(mesh, "out/chair.glb", Provenance.for_file("chair.obj"))

Conventions: metres, +Y up; STL and 3MF are converted to and from +Z up millimetres
(see `meshsmith.export.axes`).
"""

from meshsmith.export.formats import EXPORTERS, PROVENANCE_READERS, save
from meshsmith.export.load import LOADABLE_FORMATS, load_mesh, load_scene
from meshsmith.export.provenance import Provenance, read_provenance

__all__ = [
    "EXPORTERS",
    "LOADABLE_FORMATS",
    "PROVENANCE_READERS",
    "Provenance",
    "load_mesh",
    "load_scene",
    "read_provenance",
    "save",
]
