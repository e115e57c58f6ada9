"""Drawing a category's parameters from a seed, with explicit overrides.

Every parameter is drawn from the generator whether or not it is overridden, so
overriding one parameter leaves every other parameter of the same seed unchanged.
The drawn values end up in ``Shape.params`` (plain Python types, JSON-ready).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from meshsmith.data.materials import Material, get
from meshsmith.errors import InputError


class ParamDraw:
    """Parameter source for one shape.

    Parameters
    ----------
    rng : numpy.random.Generator
        The shape's generator.
    overrides : dict
        Explicit values by parameter name; each must be valid for its parameter.
    """

    def __init__(self, rng: np.random.Generator, overrides: dict[str, Any]) -> None:
        self.rng = rng
        self._overrides = dict(overrides)
        self.values: dict[str, Any] = {}

    def _take(self, name: str, drawn: Any) -> tuple[Any, bool]:
        if name in self.values:
            raise InputError(f"parameter {name!r} drawn twice")
        if name in self._overrides:
            return self._overrides.pop(name), True
        return drawn, False

    def uniform(
        self, name: str, lo: float, hi: float, valid: tuple[float, float] | None = None
    ) -> float:
        """A float in [lo, hi]; an override must lie in ``valid`` (default [lo, hi])."""
        value, given = self._take(name, self.rng.uniform(lo, hi))
        vlo, vhi = valid or (lo, hi)
        if given and not (isinstance(value, int | float) and vlo <= value <= vhi):
            raise InputError(f"{name} must be a number in [{vlo}, {vhi}], got {value!r}")
        self.values[name] = float(value)
        return float(value)

    def integer(self, name: str, lo: int, hi: int, valid: tuple[int, int] | None = None) -> int:
        """An int in [lo, hi] inclusive; an override must lie in ``valid`` (default [lo, hi])."""
        value, given = self._take(name, self.rng.integers(lo, hi + 1))
        vlo, vhi = valid or (lo, hi)
        if given and not (
            isinstance(value, int | np.integer)
            and not isinstance(value, bool)
            and vlo <= value <= vhi
        ):
            raise InputError(f"{name} must be an integer in [{vlo}, {vhi}], got {value!r}")
        self.values[name] = int(value)
        return int(value)

    def choice(
        self, name: str, options: Sequence[Any], weights: Sequence[float] | None = None
    ) -> Any:
        """One of ``options`` (optionally weighted); an override must be one of them."""
        p = None if weights is None else np.asarray(weights, dtype=float) / float(np.sum(weights))
        drawn = options[int(self.rng.choice(len(options), p=p))]
        value, given = self._take(name, drawn)
        if given and value not in options:
            raise InputError(f"{name} must be one of {list(options)}, got {value!r}")
        self.values[name] = value
        return value

    def flag(self, name: str, probability: float) -> bool:
        """True with ``probability``; an override must be a bool."""
        value, given = self._take(name, bool(self.rng.random() < probability))
        if given and not isinstance(value, bool):
            raise InputError(f"{name} must be true or false, got {value!r}")
        self.values[name] = bool(value)
        return bool(value)

    def material(self, name: str, options: Sequence[str]) -> Material:
        """A library material among ``options`` (by name), recorded under ``name``."""
        return get(self.choice(name, tuple(options)))

    def done(self) -> dict[str, Any]:
        """The drawn values; raises `InputError` for overrides no parameter consumed."""
        if self._overrides:
            known = ", ".join(sorted(self.values))
            raise InputError(f"unknown parameter(s) {sorted(self._overrides)}; known: {known}")
        return dict(self.values)
