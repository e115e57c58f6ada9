"""The web UI in real headless Chromium against the real service (the `server` fixture).

Covers issue 8's browser flows: prompt -> live progress -> model in the three.js viewer ->
GLB download; a sketch drawn with the mouse (pen, eraser, undo, clear) -> job -> model;
an uploaded and a dropped image; API errors shown to the user; the API key header; and
that the page never requests anything outside the server's origin (three.js is vendored).
Chromium renders WebGL through SwiftShader (software), so no GPU is needed.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import struct
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.validators import gltf_report

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
# SwiftShader is Chromium's software WebGL; newer builds need the "unsafe" opt-in for it.
CHROMIUM_ARGS = ["--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
JOB_TIMEOUT_MS = 600_000  # an upper bound: a job takes seconds on an idle machine
SMALL = {"faces": "2000", "texture": "256"}
ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "meshsmith" / "service" / "static"


@dataclass
class Session:
    """A page on the server plus everything it requested and every script error it hit."""

    page: object
    origin: str
    requests: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def outside_requests(self) -> list[str]:
        local = (f"{self.origin}/", f"blob:{self.origin}/", "data:")
        return [r.url for r in self.requests if not r.url.startswith(local)]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed (make test installs it)"
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def ui(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    session = Session(page, server.url.rstrip("/"))
    page.on("request", lambda request: session.requests.append(request))
    page.on("pageerror", lambda error: session.errors.append(str(error)))
    page.goto(f"{session.origin}/", timeout=120_000)  # 2.4 MB of three.js on a busy machine
    page.wait_for_selector("body[data-ready=true]", state="attached")
    yield session
    context.close()


# ---- helpers -----------------------------------------------------------------------------


def canvas_pixels(page, selector: str) -> np.ndarray:
    """(h, w, 3) uint8 RGB of a canvas, read through toDataURL (the viewer keeps its buffer)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    url = page.eval_on_selector(selector, "c => c.toDataURL('image/png')")
    png = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of pixels that differ noticeably between two (h, w, 3) images."""
    return float((np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 12).mean())


def assert_viewer_shows_model(page) -> np.ndarray:
    """The viewer canvas holds a lit model: pixels off the background, shaded, centred, and
    a surface that turns into lines in wireframe (the ground shadow would not)."""
    pixels = canvas_pixels(page, "#viewer")
    background = pixels[2, 2].astype(int)
    mask = np.abs(pixels.astype(int) - background).max(axis=2) > 12
    assert mask.mean() > 0.02, f"the viewer shows almost nothing: {mask.mean():.1%} of pixels"
    luminance = pixels[mask].astype(float) @ [0.2126, 0.7152, 0.0722]
    assert luminance.std() > 4, "the model is one flat colour: no lighting reaches it"
    h, w = mask.shape
    assert mask[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4].mean() > 0.05, "model not centred"
    page.click("#toggle-wireframe")
    wire = canvas_pixels(page, "#viewer")
    page.click("#toggle-wireframe")
    # Faces turn into their edges: part of the model's pixels change (the shadow would not).
    share = changed(pixels, wire) / mask.mean()
    assert share > 0.03, f"wireframe changes {share:.1%} of {mask.mean():.1%} model pixels"
    return pixels


def wait_for_change(page, before: np.ndarray, fraction: float, timeout: float = 20.0):
    """Poll the viewer until at least `fraction` of its pixels differ from `before`."""
    deadline = time.monotonic() + timeout
    while True:
        now = canvas_pixels(page, "#viewer")
        if changed(now, before) >= fraction or time.monotonic() > deadline:
            return now


def watch_progress(page) -> None:
    """Record every value the job progress bars take, in window.__progress."""
    page.evaluate(
        """() => {
        window.__progress = [];
        const record = () => document.querySelectorAll('[data-testid=job-progress]')
            .forEach(el => window.__progress.push(Number(el.dataset.value)));
        new MutationObserver(record).observe(document.getElementById('job-list'),
            {subtree: true, childList: true, attributes: true});
        }"""
    )


def submit(page) -> dict:
    """Click Generate; returns the job record the API answered with (202)."""
    with page.expect_response(lambda r: r.request.method == "POST" and "/v1/jobs" in r.url) as r:
        page.click("#generate")
    assert r.value.status == 202, r.value.text()
    return r.value.json()


def wait_for_success(page, job_id: str):
    """Wait for the job's list item to end and the viewer to load it; returns the item."""
    item = page.locator(f"[data-testid=job-item][data-job-id='{job_id}']")
    page.wait_for_function(
        """id => ['succeeded', 'failed', 'cancelled'].includes(document.querySelector(
            `[data-testid=job-item][data-job-id='${id}']`)?.dataset.status)""",
        arg=job_id,
        timeout=JOB_TIMEOUT_MS,
    )
    status = item.get_attribute("data-status")
    assert status == "succeeded", f"job ended {status}: {item.locator('.job-detail').inner_text()}"
    page.wait_for_function(
        "id => document.getElementById('viewer').dataset.loaded === id",
        arg=job_id,
        timeout=JOB_TIMEOUT_MS,
    )
    return item


def set_small_options(page) -> None:
    page.fill("#faces", SMALL["faces"])
    page.select_option("#texture-size", SMALL["texture"])


def dark_pixels(page, box=(0.0, 0.0, 1.0, 1.0)) -> int:
    """Pixels darker than mid-grey on the sketch canvas inside box (fractions x0, y0, x1, y1)."""
    return page.eval_on_selector(
        "#sketch",
        """(c, [x0, y0, x1, y1]) => {
            const [w, h] = [c.width, c.height];
            const d = c.getContext('2d').getImageData(
                Math.round(x0 * w), Math.round(y0 * h),
                Math.round((x1 - x0) * w), Math.round((y1 - y0) * h)).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
            return n;
        }""",
        list(box),
    )


def set_range(page, selector: str, value: int) -> None:
    """Move a range slider as a user would: new value, then an input event."""
    page.eval_on_selector(
        selector,
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        value,
    )


def draw(page, points: list[tuple[float, float]]) -> None:
    """One mouse stroke through points given as fractions of the sketch canvas."""
    box = page.locator("#sketch").bounding_box()
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=6)
    page.mouse.up()


def image_size(img) -> list[int]:
    """[width, height] of an <img> once decoded."""
    return img.evaluate("i => i.decode().then(() => [i.naturalWidth, i.naturalHeight])")


# ---- tests -------------------------------------------------------------------------------


def test_vendored_three_is_the_pinned_version():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["three"]
    vendored = json.loads((STATIC / "vendor" / "three" / "package.json").read_text())["version"]
    assert vendored == pinned
    revision = pinned.split(".")[1]
    assert f"const REVISION = '{revision}';" in (STATIC / "vendor/three/three.core.js").read_text()
    assert "MIT License" in (STATIC / "vendor" / "three" / "LICENSE").read_text()
    index = (STATIC / "index.html").read_text()
    links = re.findall(r'(?:src|href)="([^"]*)"', index) + re.findall(r'": "([^"]*)"', index)
    assert links and not [u for u in links if re.match(r"(https?:)?//", u)], "no CDN links"


@pytest.mark.slow
def test_prompt_to_viewer_and_download(ui, tmp_path):
    page = ui.page
    page.fill("#prompt", "a small red wooden stool")
    set_small_options(page)
    page.fill("#seed", "7")
    page.check("#formats input[value=obj]")
    watch_progress(page)
    job_id = submit(page)["id"]
    item = wait_for_success(page, job_id)

    progress = page.evaluate("window.__progress")
    assert any(0 < v < 1 for v in progress), f"the bar never showed a partial value: {progress}"
    assert progress[-1] == 1
    assert item.locator(".badge").inner_text() == "Done"

    solid = assert_viewer_shows_model(page)
    assert "triangles" in page.inner_text("#viewer-stats")
    page.click("#toggle-texture")
    untextured = canvas_pixels(page, "#viewer")
    page.click("#toggle-texture")
    assert changed(untextured, solid) > 0.01, "the texture toggle changes nothing"
    page.click("#toggle-turntable")
    turned = wait_for_change(page, solid, 0.01)
    page.click("#toggle-turntable")
    assert changed(turned, solid) >= 0.01, "the turntable does not turn"

    with page.expect_download() as download_info:
        page.click("[data-testid=download-glb]")
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    assert path.name.startswith("a-small-red-wooden-stool-") and path.suffix == ".glb"
    data = path.read_bytes()
    magic, version, length = struct.unpack("<4sII", data[:12])
    assert (magic, version, length) == (b"glTF", 2, len(data)) and len(data) > 2000
    assert gltf_report(path)["errors"] == 0

    # OBJ comes with its MTL and texture: one zip, which Python's zipfile reads and CRC-checks.
    with page.expect_download() as download_info:
        page.click("[data-testid=download-obj]")
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    assert path.name.endswith(".obj.zip")
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert "model.obj" in names and any(n.endswith(".mtl") for n in names), names
        assert b"mtllib" in archive.read("model.obj")

    # The gallery shows the finished job with its rendered preview.
    item = page.locator(f"[data-testid=gallery-item][data-job-id='{job_id}']")
    item.locator("img").wait_for()
    assert min(image_size(item.locator("img"))) > 0
    assert not ui.outside_requests(), ui.outside_requests()
    assert not ui.errors, ui.errors


@pytest.mark.slow
def test_sketch_tools_and_sketch_job(ui, server):
    page = ui.page
    page.click("#tab-sketch")
    assert dark_pixels(page) == 0
    assert page.is_disabled("#sketch-undo")

    top, bottom = (0.0, 0.1, 1.0, 0.4), (0.0, 0.6, 1.0, 0.9)
    draw(page, [(0.2, 0.25), (0.8, 0.25)])
    first = dark_pixels(page, top)
    assert first > 500 and dark_pixels(page, bottom) == 0
    set_range(page, "#stroke-width", 20)
    draw(page, [(0.2, 0.75), (0.8, 0.75)])
    assert dark_pixels(page, bottom) > first * 1.5, "a wider pen draws a wider stroke"

    page.click("#sketch-undo")
    assert dark_pixels(page, bottom) == 0
    assert abs(dark_pixels(page, top) - first) <= first * 0.05

    page.click("#tool-eraser")
    draw(page, [(0.1, 0.25), (0.5, 0.25)])
    assert dark_pixels(page, (0.0, 0.1, 0.45, 0.4)) == 0, "the eraser leaves no ink"
    assert dark_pixels(page, (0.55, 0.1, 1.0, 0.4)) > 0

    page.click("#sketch-clear")
    assert dark_pixels(page) == 0
    page.click("#sketch-undo")
    assert dark_pixels(page, (0.55, 0.1, 1.0, 0.4)) > 0, "undo brings back a cleared drawing"
    page.click("#sketch-clear")

    # A stool: seat, two legs and a rung, drawn with the pen.
    page.click("#tool-pen")
    set_range(page, "#stroke-width", 8)
    draw(page, [(0.25, 0.3), (0.75, 0.3), (0.75, 0.4), (0.25, 0.4), (0.25, 0.3)])
    draw(page, [(0.3, 0.4), (0.27, 0.85)])
    draw(page, [(0.7, 0.4), (0.73, 0.85)])
    draw(page, [(0.29, 0.65), (0.71, 0.65)])
    set_small_options(page)
    page.uncheck("#preview")
    job = submit(page)
    item = wait_for_success(page, job["id"])
    assert_viewer_shows_model(page)
    assert item.locator(".job-title").inner_text() == "Sketch"

    # The PNG as the server stored it (named by its sha256): white paper, black ink.
    assert job["request"]["kind"] == "sketch"
    upload = job["request"]["input"]
    sketch = Image.open(server.data_dir / "inputs" / upload["sha256"])
    assert (sketch.format, sketch.size) == ("PNG", (512, 512))
    rgba = np.asarray(sketch.convert("RGBA")).astype(int)
    assert (rgba[..., 3] == 255).all(), "the sketch has an opaque background"
    assert (rgba[:5, :5, :3] == 255).all(), "the background is white"
    assert (rgba[..., :3] < 64).all(axis=2).sum() > 2000, "the strokes are black"
    assert (rgba[..., 0] == rgba[..., 1]).all() and (rgba[..., 1] == rgba[..., 2]).all()
    assert not ui.outside_requests(), ui.outside_requests()
    assert not ui.errors, ui.errors


def test_image_upload_errors_and_api_key(ui, tmp_path):
    page = ui.page
    photo = Image.new("RGB", (200, 160), "white")
    ImageDraw.Draw(photo).ellipse((40, 30, 160, 130), fill=(200, 40, 40))
    photo_path = tmp_path / "photo.png"
    photo.save(photo_path)

    page.click("#tab-image")
    page.set_input_files("#image-input", photo_path)
    assert (
        page.eval_on_selector("#image-preview", "img => img.decode().then(() => img.naturalWidth)")
        == 200
    )
    assert "photo.png" in page.inner_text("#image-name")
    page.click("#image-remove")
    assert page.is_hidden("#image-preview")

    dropped = base64.b64encode(photo_path.read_bytes()).decode()
    transfer = page.evaluate_handle(
        """b64 => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], 'dropped.png', {type: 'image/png'}));
            return transfer;
        }""",
        dropped,
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    assert (
        page.eval_on_selector("#image-preview", "img => img.decode().then(() => img.naturalHeight)")
        == 160
    )
    assert "dropped.png" in page.inner_text("#image-name")

    # The server's own validation message reaches the user.
    page.fill("#faces", "50")
    page.click("#generate")
    page.locator("#error").wait_for()
    assert "faces" in page.inner_text("#error-text")
    page.click("#error-close")

    # A prompt is needed in text mode; the page says so before asking the server.
    page.click("#tab-text")
    page.fill("#prompt", "   ")
    page.click("#generate")
    assert page.inner_text("#error-text") == "Type a prompt first."

    # The key is kept in localStorage and sent as a bearer token.
    page.click("#key-button")
    page.fill("#api-key", "msk_not_a_real_key")
    with page.expect_request(lambda r: "/v1/jobs" in r.url) as request:
        page.click("#key-save")
    assert request.value.headers.get("authorization") == "Bearer msk_not_a_real_key"
    assert page.evaluate("localStorage.getItem('meshsmith.apiKey')") == "msk_not_a_real_key"
    # The server refuses an unknown key even on loopback; the page says so and asks again.
    page.locator("#error").wait_for()
    assert "API key" in page.inner_text("#error-text")
    assert page.is_visible("#key-panel")
    page.click("#key-clear")
    assert page.evaluate("localStorage.getItem('meshsmith.apiKey')") is None
    assert not ui.outside_requests(), ui.outside_requests()
    assert not ui.errors, ui.errors
