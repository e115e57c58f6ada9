"""The worker registry on each store: registration, heartbeats, liveness, goodbyes."""

from __future__ import annotations

import os
import time

from meshsmith.service.backend import open_backend
from meshsmith.service.registry import live_model_version


def test_workers_are_live_while_they_beat(backend_config):
    registry = open_backend(backend_config).registry
    assert registry.live() == [] and live_model_version(registry) is None
    registry.register("w1", "default", "v1", "sqlite")
    time.sleep(0.01)
    registry.register("w2", "default", "v2", "sqlite")
    registry.heartbeat("w2", "job-1")
    first, second = registry.live()
    assert (first.id, second.id) == ("w1", "w2") and second.job == "job-1" and first.job is None
    assert second.pid == os.getpid() and second.heartbeat >= second.started
    assert live_model_version(registry) == "v2"  # the newest worker's

    registry.live_seconds = 0.5
    time.sleep(1.0)
    registry.heartbeat("w1", None)
    assert [w.id for w in registry.live()] == ["w1"]
    assert registry.forget_dead(older_than=0.8) == 1
    registry.heartbeat("w2", None)  # forgotten: a late beat does not bring it back
    assert [w.id for w in registry.live()] == ["w1"]
    registry.unregister("w1")
    assert registry.live() == []
