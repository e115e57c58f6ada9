"""The headless OpenGL context: EGL through moderngl, no display or X server.

An OpenGL context is current on the thread that made it, so there is one lazily
created context per thread, reused by every render on that thread.
"""

from __future__ import annotations

import threading

import moderngl

from meshsmith.errors import RenderError

GL_VERSION = 330

_local = threading.local()


def create_context() -> moderngl.Context:
    """Create a new standalone EGL context (OpenGL 3.3 core or newer).

    Raises
    ------
    RenderError
        When EGL or a suitable OpenGL driver is not available.
    """
    try:
        return moderngl.create_standalone_context(require=GL_VERSION, backend="egl")
    except Exception as exc:  # moderngl raises bare Exceptions from the C layer
        raise RenderError(
            f"cannot create a headless OpenGL context through EGL ({exc}); "
            "install Mesa's EGL (libegl1, libgl1-mesa-dri) or a GPU driver"
        ) from exc


def get_context() -> moderngl.Context:
    """The calling thread's shared context, created on first use."""
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        ctx = create_context()
        _local.ctx = ctx
    return ctx


def renderer_name(ctx: moderngl.Context | None = None) -> str:
    """The OpenGL renderer string, e.g. ``'llvmpipe (LLVM 15.0.6, 256 bits)'``."""
    return str((ctx or get_context()).info["GL_RENDERER"])
