// The meshsmith REST API as the page uses it: auth header, JSON errors, job progress streams.

const KEY_STORAGE = "meshsmith.apiKey";
// A browser opens about six HTTP/1.1 connections per server; each event stream holds one
// for as long as its job runs, so past this many, further jobs are polled instead.
const MAX_STREAMS = 3;
let openStreams = 0;
export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

/** An error the API answered with: {"error": {"code", "message"}}, or a network failure. */
export class ApiError extends Error {
  constructor(message, code = "error", status = 0) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export function getApiKey() {
  return localStorage.getItem(KEY_STORAGE) || "";
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function authHeaders() {
  const key = getApiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function errorFrom(response) {
  let code = `http_${response.status}`;
  let message = `${response.status} ${response.statusText || "request failed"}`;
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    } else if (body && body.detail) {
      message = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(message, code, response.status);
}

/** fetch() with the API key attached; throws ApiError for non-2xx answers and network errors. */
export async function apiFetch(path, options = {}) {
  let response;
  try {
    response = await fetch(path, {
      ...options,
      headers: { ...authHeaders(), ...(options.headers || {}) },
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError("The server cannot be reached.", "network");
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

async function apiJson(path, options) {
  return (await apiFetch(path, options)).json();
}

/**
 * Submit a generation job.
 * request: {kind: "text"|"image"|"sketch", prompt?, file?: Blob, filename?,
 *           seed, faces, texture_size, formats: string[], preview: bool}
 * Resolves with the new job's record (already "succeeded" on a cache hit).
 * Text goes as JSON; an image or sketch as multipart with the options as form fields.
 */
export async function submitJob(request) {
  const options = {
    seed: request.seed,
    faces: request.faces,
    texture_size: request.texture_size,
    formats: request.formats,
    preview: request.preview,
  };
  if (request.kind === "text") {
    return apiJson("/v1/jobs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ prompt: request.prompt, ...options }),
    });
  }
  const form = new FormData();
  form.append(request.kind, request.file, request.filename || `${request.kind}.png`);
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || value === null) continue;
    form.append(name, Array.isArray(value) ? value.join(",") : String(value));
  }
  return apiJson("/v1/jobs", { method: "POST", body: form });
}

export const getJob = (id) => apiJson(`/v1/jobs/${encodeURIComponent(id)}`);
export const cancelJob = (id) =>
  apiJson(`/v1/jobs/${encodeURIComponent(id)}`, { method: "DELETE" });

/** One page of the caller's jobs, newest first: {jobs: [...], next_cursor: string|null}. */
export function listJobs(cursor = null, limit = 24) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor) params.set("cursor", cursor);
  return apiJson(`/v1/jobs?${params}`);
}

/** A same-origin URL's bytes as a Blob (assets, previews), sent with the API key. */
export async function fetchBlob(url, signal) {
  return (await apiFetch(url, { signal })).blob();
}

/** Parse a text/event-stream body; calls onEvent(name, data) per event. */
async function readEventStream(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, data.join("\n"));
    }
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Follow a job until it ends: server-sent events from /v1/jobs/{id}/events, falling back to
 * polling GET /v1/jobs/{id} when the stream is unavailable or drops. EventSource cannot send an
 * Authorization header, so the stream is read through fetch(). onUpdate gets each fresh job
 * record; resolves with the final record (or the last one seen when aborted).
 */
export async function watchJob(id, onUpdate, signal) {
  let job = null;
  const seen = (record) => {
    job = { ...(job || {}), ...record };
    onUpdate(job);
  };
  if (openStreams < MAX_STREAMS) {
    openStreams++;
    try {
      const response = await apiFetch(`/v1/jobs/${encodeURIComponent(id)}/events`, {
        headers: { Accept: "text/event-stream" },
        signal,
      });
      await readEventStream(response, (_name, data) => {
        let record;
        try {
          record = JSON.parse(data);
        } catch {
          return; // not a job record
        }
        seen(record);
      });
    } catch {
      // No stream, or it dropped: polling below carries on (and reports a missing job).
    } finally {
      openStreams--;
    }
  }
  if (job && TERMINAL.has(job.status)) return job;
  let delay = 500;
  while (!signal?.aborted) {
    seen(await getJob(id));
    if (TERMINAL.has(job.status)) return job;
    await sleep(delay, signal);
    delay = Math.min(delay * 1.5, 3000);
  }
  return job;
}
