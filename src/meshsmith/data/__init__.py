"""Data engine: procedural shape library, materials, captions; dataset build and ingest."""
