// Job records as the page shows them: the live job list and the gallery of past jobs.
import { TERMINAL, fetchBlob } from "./api.js";
import { el } from "./dom.js";

const STAGE_LABELS = {
  queued: "Waiting in queue",
  encode: "Reading the request",
  sample: "Sampling the shape",
  field: "Extracting the surface",
  cleanup: "Cleaning up",
  simplify: "Simplifying",
  unwrap: "Unwrapping UVs",
  bake: "Baking textures",
  export: "Writing files",
  preview: "Rendering preview",
};

const STATUS_LABELS = {
  queued: "Queued",
  running: "Running",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** What the job was asked for, in a few words: its prompt, else "Image" or "Sketch". */
export function jobTitle(job) {
  if (job.request?.prompt) return job.request.prompt;
  return { image: "Image", sketch: "Sketch" }[job.kind] || "Job";
}

export function jobSeed(job) {
  return job.request?.seed ?? null;
}

/** {fraction: 0..1, stage: string|null}; the API sends {fraction, stage, stages}. */
function progressOf(job) {
  if (job.status === "succeeded") return { fraction: 1, stage: null };
  const p = job.progress || {};
  const fraction = Math.max(0, Math.min(1, Number(p.fraction) || 0));
  return { fraction, stage: p.stage ?? (job.status === "queued" ? "queued" : null) };
}

function stageLabel(stage) {
  return STAGE_LABELS[stage] || (stage ? stage[0].toUpperCase() + stage.slice(1) : "");
}

/** "Sampling the shape · 35%": where a running job is. */
export function progressText(job) {
  const { fraction, stage } = progressOf(job);
  return `${stageLabel(stage) || "Starting"} · ${Math.round(fraction * 100)}%`;
}

/** Seconds the job took: the pipeline's "total" when given, else the sum of its stages. */
export function totalSeconds(job) {
  const timings = job.timings || {};
  if (Number(timings.total) > 0) return Number(timings.total);
  return Object.values(timings).reduce((sum, v) => sum + (Number(v) || 0), 0);
}

/**
 * One download per requested format: [{format, files: [asset, ...], bytes}].
 * The API lists each format's file (role "model") followed by its parts (role "part": an
 * OBJ's MTL and textures); the preview (role "preview") is not a download.
 */
export function downloadsOf(job) {
  const downloads = [];
  for (const asset of job.assets || []) {
    const format = (asset.format || asset.name.split(".").pop()).toLowerCase();
    if (asset.role === "preview") continue;
    if (asset.role === "part" && downloads.length) downloads.at(-1).files.push(asset);
    else downloads.push({ format, files: [asset] });
  }
  for (const d of downloads) d.bytes = d.files.reduce((sum, a) => sum + (a.bytes || 0), 0);
  return downloads;
}

/** A file name for a download: the prompt (or the input kind) as a slug, then the job id. */
export function downloadName(job, extension) {
  const slug = jobTitle(job)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `${slug || "model"}-${String(job.id).slice(0, 6)}.${extension}`;
}

export function formatBytes(bytes) {
  if (!bytes) return "";
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function timeAgo(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, (Date.now() - t) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

/** The live job list: one card per job, updated in place as records arrive. */
export class JobList {
  constructor(container, { onSelect, onCancel }) {
    this.container = container;
    this.onSelect = onSelect;
    this.onCancel = onCancel;
    this.cards = new Map();
    this.selected = null;
  }

  has(id) {
    return this.cards.has(id);
  }

  upsert(job) {
    let card = this.cards.get(job.id);
    if (!card) {
      card = this.#create(job.id);
      this.cards.set(job.id, card);
      this.container.prepend(card.root);
    }
    const { fraction } = progressOf(job);
    const status = job.status || "queued";
    card.root.dataset.status = status;
    card.title.textContent = jobTitle(job);
    card.title.title = jobTitle(job);
    card.badge.textContent = STATUS_LABELS[status] || status;
    card.badge.dataset.status = status;
    card.bar.style.width = `${(fraction * 100).toFixed(1)}%`;
    card.progress.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
    card.progress.dataset.value = fraction.toFixed(3);
    card.detail.textContent =
      status === "failed"
        ? job.error?.message || "Generation failed"
        : status === "succeeded"
          ? [
              totalSeconds(job) ? `${totalSeconds(job).toFixed(1)} s` : "",
              job.cache_hit ? "cached" : "",
              jobSeed(job) !== null ? `seed ${jobSeed(job)}` : "",
            ]
              .filter(Boolean)
              .join(" · ")
          : TERMINAL.has(status)
            ? ""
            : job.cancel_requested
              ? "Cancelling…"
              : progressText(job);
    card.cancel.hidden = TERMINAL.has(status) || !!job.cancel_requested;
    this.container.closest("[data-empty]")?.removeAttribute("data-empty");
  }

  select(id) {
    this.selected = id;
    for (const [cardId, card] of this.cards) card.root.classList.toggle("selected", cardId === id);
  }

  #create(id) {
    const title = el("span", { class: "job-title" });
    const badge = el("span", { class: "badge", "data-testid": "job-status" });
    const bar = el("div", { class: "bar" });
    const progress = el(
      "div",
      {
        class: "progress",
        role: "progressbar",
        "aria-valuemin": "0",
        "aria-valuemax": "100",
        "data-testid": "job-progress",
      },
      bar,
    );
    const detail = el("div", { class: "job-detail" });
    const cancel = el("button", {
      class: "icon-button",
      title: "Cancel this job",
      "aria-label": "Cancel job",
      "data-testid": "job-cancel",
      text: "✕",
      onclick: (event) => {
        event.stopPropagation();
        this.onCancel(id);
      },
    });
    const root = el(
      "li",
      {
        class: "job",
        tabindex: "0",
        "data-job-id": id,
        "data-testid": "job-item",
        onclick: () => this.onSelect(id),
        onkeydown: (event) => event.key === "Enter" && this.onSelect(id),
      },
      el("div", { class: "job-head" }, title, badge, cancel),
      progress,
      detail,
    );
    return { root, title, badge, bar, progress, detail, cancel };
  }
}

/** The gallery of past jobs: a thumbnail (or a placeholder) per succeeded job. */
export class Gallery {
  constructor(container, { onSelect }) {
    this.container = container;
    this.onSelect = onSelect;
    this.ids = new Set();
  }

  reset() {
    this.container.replaceChildren();
    this.ids.clear();
  }

  /** Add jobs (newest first); `front` puts them before the ones shown. */
  add(jobs, { front = false } = {}) {
    const cards = jobs.filter((j) => j.status === "succeeded" && !this.ids.has(j.id)).map((j) => {
      this.ids.add(j.id);
      return this.#card(j);
    });
    if (front) this.container.prepend(...cards);
    else this.container.append(...cards);
  }

  #card(job) {
    const thumb = el("div", { class: "thumb placeholder", "aria-hidden": "true" });
    thumb.innerHTML = PLACEHOLDER_SVG;
    if (job.preview) {
      // Fetched rather than <img src> so the API key goes along when auth is on.
      fetchBlob(job.preview)
        .then((blob) => {
          const img = el("img", { alt: "", src: URL.createObjectURL(blob), loading: "lazy" });
          thumb.classList.remove("placeholder");
          thumb.replaceChildren(img);
        })
        .catch(() => {});
    }
    return el(
      "button",
      {
        class: "gallery-item",
        "data-job-id": job.id,
        "data-testid": "gallery-item",
        title: jobTitle(job),
        onclick: () => this.onSelect(job.id),
      },
      thumb,
      el("span", { class: "gallery-caption", text: jobTitle(job) }),
      el("span", { class: "gallery-meta", text: timeAgo(job.created_at) }),
    );
  }
}

const PLACEHOLDER_SVG = `<svg viewBox="0 0 64 64" width="44" height="44" fill="none"
  stroke="currentColor" stroke-width="2" stroke-linejoin="round">
  <path d="M32 6 56 19v26L32 58 8 45V19Z"/><path d="M8 19l24 13 24-13M32 32v26"/></svg>`;
