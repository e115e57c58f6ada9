// The meshsmith web UI: wires the form, sketch pad, job list, viewer and gallery together.
import {
  ApiError,
  TERMINAL,
  cancelJob,
  fetchBlob,
  getApiKey,
  getJob,
  listJobs,
  setApiKey,
  submitJob,
  watchJob,
} from "./api.js";
import {
  Gallery,
  JobList,
  downloadName,
  downloadsOf,
  formatBytes,
  jobSeed,
  jobTitle,
  progressText,
  totalSeconds,
} from "./jobs.js";
import { setupCreatePanel } from "./create.js";
import { $, el } from "./dom.js";
import { zipStored } from "./zip.js";

const FORMAT_NAMES = { glb: "GLB", obj: "OBJ", usdz: "USDZ", stl: "STL", "3mf": "3MF", ply: "PLY" };

const state = {
  jobs: new Map(), // id -> latest record
  watchers: new Map(), // id -> AbortController
  selected: null,
  viewToken: 0,
  galleryCursor: null,
};

// ---- errors -------------------------------------------------------------------------------

function showError(err) {
  if (err?.name === "AbortError") return;
  const message = err instanceof ApiError ? err.message : String(err?.message || err);
  $("error-text").textContent = message;
  $("error").dataset.code = err?.code || "error";
  $("error").hidden = false;
  if (err instanceof ApiError && err.status === 401) openKeyPanel(true);
}

function hideError() {
  $("error").hidden = true;
}

// ---- API key ------------------------------------------------------------------------------

function openKeyPanel(open) {
  $("key-panel").hidden = !open;
  $("key-button").setAttribute("aria-expanded", String(open));
  if (open) {
    $("api-key").value = getApiKey();
    $("api-key").focus();
  }
}

function refreshKeyDot() {
  $("key-dot").classList.toggle("on", !!getApiKey());
}

function setupKey() {
  refreshKeyDot();
  $("key-button").addEventListener("click", () => openKeyPanel($("key-panel").hidden));
  $("key-panel").addEventListener("submit", (event) => {
    event.preventDefault();
    setApiKey($("api-key").value.trim());
    refreshKeyDot();
    openKeyPanel(false);
    hideError();
    loadJobs();
  });
  $("key-clear").addEventListener("click", () => {
    setApiKey("");
    $("api-key").value = "";
    refreshKeyDot();
    openKeyPanel(false);
  });
  document.addEventListener("click", (event) => {
    const outside = !event.target.closest("#key-panel, #key-button");
    if (!$("key-panel").hidden && outside) openKeyPanel(false);
  });
}

// ---- submit -------------------------------------------------------------------------------

function setupSubmit(buildRequest) {
  const form = $("create");
  const button = $("generate");
  const submit = async () => {
    if (button.disabled) return;
    hideError();
    button.disabled = true;
    try {
      const job = await submitJob(await buildRequest());
      track(job);
      selectJob(job.id);
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") submit();
  });
}

// ---- jobs ---------------------------------------------------------------------------------

let jobList;
let gallery;
// Resolves to the Viewer, or null without WebGL. three.js (2.4 MB) loads after the page is up,
// so the form, job list and gallery work at once.
let viewer = Promise.resolve(null);

function update(record) {
  const merged = { ...(state.jobs.get(record.id) || {}), ...record };
  state.jobs.set(record.id, merged);
  jobList.upsert(merged);
  if (merged.status === "succeeded") gallery.add([merged], { front: true });
  if (state.selected === record.id) showResult(merged);
  $("gallery-empty").hidden = gallery.ids.size > 0;
  return merged;
}

/** Show a job in the list and follow it until it ends. */
function track(record) {
  const job = update(record);
  if (TERMINAL.has(job.status) || state.watchers.has(job.id)) return;
  const controller = new AbortController();
  state.watchers.set(job.id, controller);
  watchJob(job.id, update, controller.signal)
    .catch(showError)
    .finally(() => state.watchers.delete(job.id));
}

async function selectJob(id) {
  state.selected = id;
  jobList.select(id);
  history.replaceState(null, "", `#job=${encodeURIComponent(id)}`);
  let job = state.jobs.get(id);
  if (!job) {
    try {
      job = update(await getJob(id));
    } catch (err) {
      showError(err);
      return;
    }
  }
  showResult(job);
}

function showResult(job) {
  $("result").hidden = false;
  $("result-title").textContent = jobTitle(job);
  showMeta(job);
  const downloads = job.status === "succeeded" ? downloadsOf(job) : [];
  $("downloads").replaceChildren(...downloads.map((d) => downloadButton(job, d)));
  const glb = downloads.find((d) => d.format === "glb");
  if (glb) {
    if ($("viewer").dataset.jobId !== job.id) loadModel(job, glb.files[0]);
    else if ($("viewer").dataset.loaded === job.id) $("viewer-loading").hidden = true;
  } else if (TERMINAL.has(job.status)) {
    $("viewer-loading").hidden = true;
  } else {
    showViewerStatus(job);
  }
}

function showMeta(job) {
  const meta = [];
  if (jobSeed(job) !== null) meta.push(`seed ${jobSeed(job)}`);
  const total = totalSeconds(job);
  if (total) meta.push(`${total.toFixed(2)} s`);
  if (job.cache_hit) meta.push("from cache");
  if (job.status !== "succeeded") meta.push(job.status);
  if (job.status === "failed") meta.push(job.error?.message || "generation failed");
  $("result-meta").textContent = meta.join(" · ");
  $("result-meta").classList.toggle("failed", job.status === "failed");
  $("result-meta").title = Object.entries(job.timings || {})
    .map(([stage, seconds]) => `${stage}: ${Number(seconds).toFixed(3)} s`)
    .join("\n");
}

function downloadButton(job, d) {
  const label = FORMAT_NAMES[d.format] || d.format.toUpperCase();
  const zipped = d.files.length > 1;
  return el(
    "button",
    {
      type: "button",
      class: "download",
      "data-format": d.format,
      "data-testid": `download-${d.format}`,
      title: zipped ? `${d.files.map((f) => f.name).join(", ")} in one .zip` : `Download ${label}`,
      onclick: () => download(job, d),
    },
    el("span", { text: `⤓ ${label}` }),
    d.bytes ? el("small", { text: `${formatBytes(d.bytes)}${zipped ? " · zip" : ""}` }) : null,
  );
}

/** While the selected job runs, the viewer says how far it is. */
function showViewerStatus(job) {
  $("viewer-loading-text").textContent = progressText(job);
  $("viewer-loading").hidden = false;
}

async function loadModel(job, glb) {
  const token = ++state.viewToken;
  $("viewer-loading-text").textContent = "Loading model…";
  $("viewer-loading").hidden = false;
  $("viewer").dataset.jobId = job.id;
  try {
    const [buffer, v] = await Promise.all([
      fetchBlob(glb.url).then((blob) => blob.arrayBuffer()),
      viewer,
    ]);
    if (token !== state.viewToken || !v) return;
    const stats = await v.show(buffer);
    if (token !== state.viewToken) return;
    const [x, y, z] = stats.size.map((v) => v.toFixed(2));
    $("viewer-stats").textContent =
      `${Math.round(stats.triangles).toLocaleString("en")} triangles · ${x} × ${y} × ${z} m`;
    $("viewer-stats").hidden = false;
    $("viewer-empty").hidden = true;
    $("viewer").dataset.loaded = job.id;
  } catch (err) {
    if (token === state.viewToken) $("viewer").dataset.jobId = "";
    const message = `Cannot show the model: ${err.message}`;
    showError(err instanceof ApiError ? err : new ApiError(message, "viewer"));
  } finally {
    if (token === state.viewToken) $("viewer-loading").hidden = true;
  }
}

/** Save one format: its file, or a .zip of the file and its parts (OBJ + MTL + textures). */
async function download(job, { format, files }) {
  try {
    let blob;
    let name;
    if (files.length === 1) {
      blob = await fetchBlob(files[0].url);
      name = downloadName(job, format);
    } else {
      const parts = await Promise.all(
        files.map(async (f) => {
          const bytes = new Uint8Array(await (await fetchBlob(f.url)).arrayBuffer());
          return { name: f.name, bytes };
        }),
      );
      blob = zipStored(parts);
      name = downloadName(job, `${format}.zip`);
    }
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (err) {
    showError(err);
  }
}

async function cancel(id) {
  try {
    update(await cancelJob(id));
  } catch (err) {
    showError(err);
  }
}

async function loadJobs({ more = false } = {}) {
  try {
    const page = await listJobs(more ? state.galleryCursor : null);
    if (!more) gallery.reset();
    state.galleryCursor = page.next_cursor;
    gallery.add(page.jobs);
    for (const job of page.jobs) {
      state.jobs.set(job.id, { ...(state.jobs.get(job.id) || {}), ...job });
      if (!TERMINAL.has(job.status) || jobList.has(job.id)) track(job);
    }
    $("gallery-more").hidden = !page.next_cursor;
    $("gallery-empty").hidden = gallery.ids.size > 0;
  } catch (err) {
    showError(err);
  }
}

// ---- viewer -------------------------------------------------------------------------------

async function setupViewer() {
  const { Viewer, probeWebgl } = await import("./viewer.js");
  const webgl = probeWebgl();
  if (!webgl) {
    $("viewer-empty").querySelector("p").textContent = "This browser cannot show 3D (no WebGL 2).";
    return null;
  }
  const v = new Viewer($("viewer"), { antialias: !webgl.software });
  const toggle = (id, apply) => {
    const button = $(id);
    button.addEventListener("click", () => {
      const on = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(on));
      apply(on);
    });
  };
  toggle("toggle-wireframe", (on) => v.setWireframe(on));
  toggle("toggle-turntable", (on) => v.setTurntable(on));
  toggle("toggle-texture", (on) => v.setTextures(on));
  $("reset-view").addEventListener("click", () => v.resetView());
  const keys = {
    w: "toggle-wireframe",
    t: "toggle-turntable",
    x: "toggle-texture",
    r: "reset-view",
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, #pane-sketch")) return;
    if (keys[event.key]) $(keys[event.key]).click();
  });
  $("viewer").dataset.ready = "true";
  return v;
}

// ---- start --------------------------------------------------------------------------------

function main() {
  setupKey();
  const panel = setupCreatePanel({ onError: showError });
  setupSubmit(panel.buildRequest);
  viewer = setupViewer().catch((err) => {
    showError(new ApiError(`The 3D viewer could not start: ${err.message}`, "viewer"));
    return null;
  });
  jobList = new JobList($("job-list"), { onSelect: selectJob, onCancel: cancel });
  gallery = new Gallery($("gallery"), { onSelect: selectJob });
  $("error-close").addEventListener("click", hideError);
  $("gallery-refresh").addEventListener("click", () => loadJobs());
  $("gallery-more").addEventListener("click", () => loadJobs({ more: true }));
  loadJobs().then(() => {
    const match = location.hash.match(/^#job=(.+)$/);
    if (match) selectJob(decodeURIComponent(match[1]));
    // Set once the first job list is in: tests (and scripts) wait for it.
    document.body.dataset.ready = "true";
  });
}

main();
