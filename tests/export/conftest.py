"""Fixtures for the export tests: every test asset, and a fixed provenance."""

from __future__ import annotations

import pytest

from meshsmith.export.provenance import Provenance
from tests.export.assets import ASSETS


@pytest.fixture(params=sorted(ASSETS))
def asset(request):
    """(name, object) for each test asset."""
    return request.param, ASSETS[request.param]()


@pytest.fixture
def provenance(monkeypatch) -> Provenance:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return Provenance.create(
        prompt='a small red chair, "quoted"\nsecond line ünïcödé',
        model_id="meshsmith-test",
        model_sha256="ab" * 32,
        source_sha256="cd" * 32,
        seed=1234,
        ai_generated=True,
    )
