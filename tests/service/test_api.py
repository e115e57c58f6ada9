"""The REST API against a real `meshsmith serve` process (shared `server` fixture)."""

from __future__ import annotations

import json

import pytest

from tests.service.conftest import SMALL_JOB, TERMINAL, submit_text, wait_for
from tests.service.images import object_photo, png_bomb, sketch_png
from tests.validators import gltf_report

PROMPT = "a wooden stool with three legs"


@pytest.fixture(scope="module")
def client(server):
    with server.client() as client:
        yield client


@pytest.fixture(scope="module")
def finished(client):
    """One finished text job with GLB and OBJ output."""
    job = submit_text(client, PROMPT, seed=11, formats=["glb", "obj"])
    assert job["status"] == "queued" and job["request"]["faces"] == 2000
    return wait_for(client, job["id"])


def test_text_job_succeeds_with_progress_timings_and_a_valid_glb(client, finished, tmp_path):
    assert finished["status"] == "succeeded", finished["error"]
    assert finished["attempts"] == 1 and not finished["cache_hit"]
    assert set(finished["progress"]["stages"].values()) == {"done"}
    assert finished["progress"]["fraction"] == 1
    for stage in ("encode", "sample", "field", "bake", "export"):
        assert finished["timings"][stage] > 0
    names = {a["name"]: a for a in finished["assets"]}
    assert names["model.glb"]["role"] == "model" and names["model.obj"]["role"] == "model"
    assert "model.mtl" in names

    glb = client.get(names["model.glb"]["url"])
    assert glb.status_code == 200
    assert glb.headers["content-type"] == "model/gltf-binary"
    assert glb.headers["content-disposition"].startswith("attachment")
    assert len(glb.content) == names["model.glb"]["bytes"] and glb.content[:4] == b"glTF"
    path = tmp_path / "model.glb"
    path.write_bytes(glb.content)
    report = gltf_report(path)
    assert report["errors"] == 0, report["messages"]

    mtl = client.get(names["model.mtl"]["url"])
    assert mtl.status_code == 200 and b"newmtl" in mtl.content


def test_identical_request_is_answered_from_the_cache(client, finished):
    before = _metric(client, "meshsmith_cache_hits_total")
    again = client.post(
        "/v1/jobs",
        json={"prompt": "  A Wooden STOOL with three   legs", "seed": 11,
              "formats": ["obj", "glb"], **SMALL_JOB},
    )  # fmt: skip
    assert again.status_code == 202
    job = again.json()
    assert job["status"] == "succeeded" and job["cache_hit"] and job["id"] != finished["id"]
    assert {a["name"] for a in job["assets"]} == {a["name"] for a in finished["assets"]}
    first = client.get(f"/v1/assets/{finished['id']}/model.glb").content
    assert client.get(f"/v1/assets/{job['id']}/model.glb").content == first
    assert _metric(client, "meshsmith_cache_hits_total") == before + 1
    other_seed = submit_text(client, PROMPT, seed=12)
    assert other_seed["status"] == "queued"  # a different seed is a different request


def test_event_stream_sends_progress_then_done(client):
    job = submit_text(client, "a small round table", seed=5)
    events = []
    with client.stream("GET", f"/v1/jobs/{job['id']}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in stream.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line.split(":", 1)[1])))
    names = [name for name, _ in events]
    assert names[-1] == "done" and names.count("done") == 1
    assert names.count("progress") >= 2
    assert events[-1][1]["status"] == "succeeded"
    fractions = [data["progress"]["fraction"] for _, data in events]
    assert fractions == sorted(fractions)
    stages = {data["progress"]["stage"] for name, data in events if name == "progress"}
    assert stages & {"encode", "sample", "field", "cleanup", "simplify", "unwrap", "bake"}


def test_cancel_a_queued_job_and_a_running_one(client):
    slow = submit_text(client, "a tall bookshelf", seed=21, faces=20000, texture_size=2048)
    queued = submit_text(client, "a tall bookshelf", seed=22)
    cancelled = client.delete(f"/v1/jobs/{queued['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

    assert wait_for(client, slow["id"], statuses=("running", *TERMINAL))["status"] == "running"
    response = client.delete(f"/v1/jobs/{slow['id']}")
    assert response.status_code == 202, response.text
    assert response.json()["cancel_requested"]
    final = wait_for(client, slow["id"])
    assert final["status"] == "cancelled" and final["assets"] == []
    assert client.get(f"/v1/jobs/{queued['id']}").json()["status"] == "cancelled"
    again = client.delete(f"/v1/jobs/{final['id']}")
    assert again.status_code == 200


def test_cancelling_a_finished_job_is_a_conflict(client, finished):
    response = client.delete(f"/v1/jobs/{finished['id']}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_job_list_pages_newest_first(client, finished):
    everything = client.get("/v1/jobs", params={"limit": 100}).json()
    ids = [job["id"] for job in everything["jobs"]]
    assert finished["id"] in ids and everything["next_cursor"] is None
    paged, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/jobs", params=params).json()
        assert len(page["jobs"]) <= 2
        paged += [job["id"] for job in page["jobs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == ids
    created = [job["created_at"] for job in everything["jobs"]]
    assert created == sorted(created, reverse=True)
    bad = client.get("/v1/jobs", params={"cursor": "../x"})
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["message"]


def test_sketch_and_image_jobs(client, tmp_path):
    sketch = client.post(
        "/v1/jobs",
        files={"sketch": ("drawing.png", sketch_png(), "image/png")},
        data={"faces": "2000", "texture_size": "256", "seed": "3", "preview": "true"},
    )
    assert sketch.status_code == 202, sketch.text
    photo = client.post(
        "/v1/jobs",
        files={"image": ("photo.jpg", object_photo(fmt="JPEG"), "image/jpeg")},
        data={"faces": "2000", "texture_size": "256", "formats": "glb,stl"},
    )
    assert photo.status_code == 202, photo.text
    assert photo.json()["request"]["input"]["type"] == "jpeg"
    for job in (sketch.json(), photo.json()):
        done = wait_for(client, job["id"])
        assert done["status"] == "succeeded", done["error"]
        assert done["kind"] in ("sketch", "image")
    sketch_done = client.get(f"/v1/jobs/{sketch.json()['id']}").json()
    preview = client.get(sketch_done["preview"])
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/png"
    assert preview.content.startswith(b"\x89PNG")
    stl = client.get(f"/v1/assets/{photo.json()['id']}/model.stl")
    assert stl.status_code == 200 and stl.headers["content-type"] == "model/stl"


@pytest.mark.parametrize(
    ("files", "data", "status", "code"),
    [
        ({"image": ("notes.png", b"just some text, not an image\n" * 20, "image/png")}, {},
         415, "unsupported_media_type"),
        ({"image": ("bomb.png", png_bomb(20_000), "image/png")}, {}, 413, "image_too_large"),
        ({"image": ("big.png", png_bomb(6_000), "image/png")}, {}, 413, "image_too_large"),
        ({"sketch": ("empty.png", object_photo(size=8), "image/png")}, {}, 422, "invalid_input"),
        ({"image": ("a.png", object_photo(), "image/png")}, {"colour": "red"}, 422,
         "invalid_request"),
        ({"image": ("a.png", object_photo(), "image/png"),
          "sketch": ("b.png", sketch_png(), "image/png")}, {}, 422, "invalid_request"),
        ({"image": ("a.png", object_photo(), "image/png")}, {"faces": "lots"}, 422,
         "invalid_request"),
    ],
)  # fmt: skip
def test_bad_uploads_get_json_errors(client, files, data, status, code):
    response = client.post("/v1/jobs", files=files, data=data)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]


def test_oversized_bodies_are_refused(client):
    huge = b"\x89PNG\r\n\x1a\n" + b"\x00" * (11 * 1024 * 1024)
    response = client.post("/v1/jobs", files={"image": ("huge.png", huge, "image/png")})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    padded = {"prompt": "a chair", "seed": 1, "pad": "x" * 100_000}
    response = client.post("/v1/jobs", json=padded)
    assert response.status_code == 413

    def chunked():  # no Content-Length: the limit is counted while reading
        yield b'{"prompt": "a chair", "pad": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        "/v1/jobs", content=chunked(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("kwargs", "status", "needle"),
    [
        ({"json": {"prompt": "a chair", "colour": "red"}}, 422, "unknown option(s) colour"),
        ({"json": {"prompt": ""}}, 422, "must not be empty"),
        ({"json": {"prompt": "a 5 km stool"}}, 422, "sizes must be between 1 mm and 1000 m"),
        ({"json": ["a chair"]}, 422, "JSON object"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400,
         "not valid JSON"),
        ({"content": b"prompt=a chair", "headers": {"content-type": "text/plain"}}, 415,
         "application/json"),
    ],
)  # fmt: skip
def test_bad_requests_get_json_errors(client, kwargs, status, needle):
    response = client.post("/v1/jobs", **kwargs)
    assert response.status_code == status
    assert needle in response.json()["error"]["message"]


def test_unknown_jobs_and_assets_are_404(client, finished):
    job_id = finished["id"]
    for path in (
        "/v1/jobs/0123456789abcdef0123456789abcdef",
        f"/v1/assets/{job_id}/jobs.db",
        f"/v1/assets/{job_id}/..%2f..%2fjobs.db",
        f"/v1/assets/{job_id}/%2e%2e",
        "/v1/assets/..%2f..%2f/model.glb",
        "/v1/nothing",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_health_ready_metrics_docs_and_web_ui(client, finished):
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready["ready"] and ready["model_version"]
    metrics = client.get("/metrics").text
    for name in (
        "meshsmith_queue_depth",
        "meshsmith_workers_live 1.0",
        'meshsmith_job_stage_seconds_count{stage="field"}',
        "meshsmith_cache_hits_total",
        'meshsmith_http_request_seconds_count{method="POST",route="/v1/jobs",status="202"}',
    ):
        assert name in metrics, name
    assert _metric(client, 'meshsmith_job_stage_seconds_count{stage="bake"}') >= 1
    schema = client.get("/openapi.json").json()
    content = schema["paths"]["/v1/jobs"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)
    assert client.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def _metric(client, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0
