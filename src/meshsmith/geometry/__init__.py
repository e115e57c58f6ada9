"""Field extraction, cleanup, QA, repair, simplification, normalisation and UV unwrapping."""
