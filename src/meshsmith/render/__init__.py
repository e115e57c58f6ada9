"""Headless OpenGL (EGL) renderer: previews, dataset views, sketches and baking."""
