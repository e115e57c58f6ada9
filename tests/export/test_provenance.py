"""Provenance: timestamps, hashing, dict round trips."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest

from meshsmith import GENERATOR, __version__
from meshsmith.errors import InputError, MeshLoadError
from meshsmith.export.provenance import Provenance


def test_source_date_epoch_fixes_created(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert Provenance.create().created == "2023-11-14T22:13:20Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert Provenance.create().created == "1970-01-01T00:00:00Z"


def test_created_defaults_to_now_in_utc(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    created = Provenance.create().created
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created)
    moment = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(tz=UTC) - moment).total_seconds()) < 5


@pytest.mark.parametrize("bad", ["yesterday", "1.5", "99999999999999999999"])
def test_malformed_source_date_epoch_is_an_input_error(monkeypatch, bad):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", bad)
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        Provenance.create()


def test_create_stamps_generator_and_keeps_fields(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    p = Provenance.create(prompt="a mug", seed="7", ai_generated=1, model_id="m1")
    assert p.generator == GENERATOR == f"meshsmith {__version__}"
    assert p.version == __version__
    assert (p.prompt, p.seed, p.ai_generated, p.model_id) == ("a mug", 7, True, "m1")


def test_as_dict_drops_none_and_keeps_order(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    data = Provenance.create(seed=3).as_dict()
    assert list(data) == ["generator", "version", "created", "seed", "ai_generated"]
    assert data["ai_generated"] is False


def test_from_dict_inverts_as_dict_and_ignores_unknown_keys(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    original = Provenance.create(prompt="p", seed=5, model_sha256="f" * 64, ai_generated=True)
    data = original.as_dict() | {"added_in_a_later_version": 1}
    assert Provenance.from_dict(data) == original


def test_for_file_hashes_the_input(tmp_path):
    source = tmp_path / "input mesh.obj"
    source.write_bytes(b"v 0 0 0\n" * 1000)
    p = Provenance.for_file(source, ai_generated=False)
    assert p.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert p.source_name == "input mesh.obj"


def test_for_file_on_missing_file_is_a_load_error(tmp_path):
    with pytest.raises(MeshLoadError, match="cannot read"):
        Provenance.for_file(tmp_path / "missing.obj")
