"""Reading and writing asset files (GLB, OBJ+MTL, USDZ, STL, 3MF, PLY) with provenance."""
