// The create panel: input mode tabs, prompt, image upload, sketch tools and options.
import { ApiError } from "./api.js";
import { $ } from "./dom.js";
import { SketchPad } from "./sketch.js";

/**
 * Wire the panel's controls; returns {buildRequest}, which reads the active input and the
 * options into a request for api.submitJob (or throws ApiError when the input is missing).
 * onError receives problems found before anything is sent (e.g. a dropped non-image file).
 */
export function setupCreatePanel({ onError }) {
  const state = { mode: "text", image: null };
  setupTabs(state);
  setupPrompt();
  setupImage(state, onError);
  const pad = setupSketch();
  randomSeed();
  $("seed-random").addEventListener("click", randomSeed);
  return { buildRequest: () => buildRequest(state, pad) };
}

function setMode(state, mode) {
  state.mode = mode;
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const on = tab.dataset.mode === mode;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
}

function setupTabs(state) {
  const tabs = [...document.querySelectorAll("[role=tab]")];
  for (const tab of tabs) {
    tab.addEventListener("click", () => setMode(state, tab.dataset.mode));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      setMode(state, next.dataset.mode);
      next.focus();
    });
  }
}

function setupPrompt() {
  const prompt = $("prompt");
  const count = () => ($("prompt-count").textContent = `${prompt.value.length} / 300`);
  prompt.addEventListener("input", count);
  for (const chip of document.querySelectorAll("#examples .chip")) {
    chip.addEventListener("click", () => {
      prompt.value = chip.textContent;
      count();
      prompt.focus();
    });
  }
}

function chooseImage(state, file, onError) {
  if (!file) return;
  if (!file.type.startsWith("image/")) {
    onError(new ApiError(`${file.name} is not an image (PNG, JPEG or WebP).`, "bad_upload"));
    return;
  }
  state.image = file;
  const preview = $("image-preview");
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  $("drop-hint").hidden = true;
  $("image-name").textContent = `${file.name} · ${(file.size / 1024).toFixed(0)} KB`;
  $("image-remove").hidden = false;
}

function setupImage(state, onError) {
  const zone = $("dropzone");
  $("image-input").addEventListener("change", (event) =>
    chooseImage(state, event.target.files[0], onError),
  );
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    chooseImage(state, event.dataTransfer.files[0], onError);
  });
  $("image-remove").addEventListener("click", () => {
    state.image = null;
    $("image-input").value = "";
    $("image-preview").hidden = true;
    $("drop-hint").hidden = false;
    $("image-name").textContent = "";
    $("image-remove").hidden = true;
  });
}

function setupSketch() {
  const pad = new SketchPad($("sketch"), {
    onChange: () => {
      $("sketch-undo").disabled = !pad.canUndo;
      $("sketch-clear").disabled = pad.empty;
    },
  });
  const setTool = (tool) => {
    pad.tool = tool;
    for (const name of ["pen", "eraser"]) {
      $(`tool-${name}`).classList.toggle("active", name === tool);
      $(`tool-${name}`).setAttribute("aria-pressed", String(name === tool));
    }
  };
  $("tool-pen").addEventListener("click", () => setTool("pen"));
  $("tool-eraser").addEventListener("click", () => setTool("eraser"));
  $("stroke-width").addEventListener("input", (event) => {
    pad.width = Number(event.target.value);
    $("stroke-width-value").textContent = event.target.value;
  });
  $("sketch-undo").addEventListener("click", () => pad.undo());
  $("sketch-clear").addEventListener("click", () => pad.clear());
  $("pane-sketch").addEventListener("keydown", (event) => {
    if (event.target.matches("input")) return;
    if ((event.ctrlKey || event.metaKey) && event.key === "z") {
      event.preventDefault();
      if (pad.canUndo) pad.undo();
    } else if (event.key === "p") setTool("pen");
    else if (event.key === "e") setTool("eraser");
  });
  return pad;
}

function randomSeed() {
  $("seed").value = String(crypto.getRandomValues(new Uint32Array(1))[0] % 1_000_000);
}

/** The options as typed; the server checks their ranges and answers with a message. */
function readOptions() {
  const number = (id) => ($(id).value.trim() === "" ? undefined : Number($(id).value));
  const formats = [...$("formats").querySelectorAll("input:checked")].map((i) => i.value);
  return {
    seed: number("seed"),
    faces: number("faces"),
    texture_size: Number($("texture-size").value),
    formats,
    preview: $("preview").checked,
  };
}

async function buildRequest(state, pad) {
  const options = readOptions();
  if (state.mode === "text") {
    const prompt = $("prompt").value.trim();
    if (!prompt) throw new ApiError("Type a prompt first.", "empty_prompt");
    return { kind: "text", prompt, ...options };
  }
  if (state.mode === "image") {
    if (!state.image) throw new ApiError("Choose or drop an image first.", "no_image");
    return { kind: "image", file: state.image, filename: state.image.name, ...options };
  }
  if (pad.empty) throw new ApiError("Draw a sketch first.", "empty_sketch");
  return { kind: "sketch", file: await pad.toBlob(), filename: "sketch.png", ...options };
}
