// The sketch pad: black strokes on white, pen and eraser, undo and clear, mouse, pen and touch.

const INK = "#000000";
const PAPER = "#ffffff";

/**
 * A drawing kept as a list of strokes and re-rendered from them, so undo is exact.
 * A stroke is {tool: "pen"|"eraser", width, points: [[x, y], ...]} in canvas pixels;
 * {tool: "clear"} wipes what came before (and undoing it brings the drawing back).
 */
export class SketchPad {
  constructor(canvas, { onChange = () => {} } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { willReadFrequently: true });
    this.tool = "pen";
    this.width = 8;
    this.strokes = [];
    this.active = null;
    this.onChange = onChange;
    canvas.style.touchAction = "none";
    canvas.addEventListener("pointerdown", (e) => this.#down(e));
    canvas.addEventListener("pointermove", (e) => this.#move(e));
    canvas.addEventListener("pointerup", (e) => this.#up(e));
    canvas.addEventListener("pointercancel", (e) => this.#up(e));
    this.redraw();
  }

  /** True when nothing visible is drawn. */
  get empty() {
    return this.#visible().every((s) => s.tool === "eraser");
  }

  get canUndo() {
    return this.strokes.length > 0;
  }

  undo() {
    this.strokes.pop();
    this.redraw();
    this.onChange();
  }

  clear() {
    if (this.empty) return;
    this.strokes.push({ tool: "clear" });
    this.redraw();
    this.onChange();
  }

  /** The drawing as a PNG Blob: white background, black strokes. */
  toBlob() {
    return new Promise((resolve) => this.canvas.toBlob(resolve, "image/png"));
  }

  redraw() {
    const { ctx, canvas } = this;
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (const stroke of this.#visible()) this.#paint(stroke);
  }

  #visible() {
    const lastClear = this.strokes.findLastIndex((s) => s.tool === "clear");
    return this.strokes.slice(lastClear + 1);
  }

  #paint(stroke, from = 0) {
    const { ctx } = this;
    const pts = stroke.points;
    ctx.strokeStyle = ctx.fillStyle = stroke.tool === "eraser" ? PAPER : INK;
    ctx.lineWidth = stroke.width;
    ctx.lineCap = ctx.lineJoin = "round";
    if (pts.length === 1) {
      ctx.beginPath();
      ctx.arc(pts[0][0], pts[0][1], stroke.width / 2, 0, Math.PI * 2);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    ctx.moveTo(...pts[Math.max(from - 1, 0)]);
    for (let i = Math.max(from, 1); i < pts.length; i++) ctx.lineTo(...pts[i]);
    ctx.stroke();
  }

  #point(event) {
    const rect = this.canvas.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * this.canvas.width;
    const y = ((event.clientY - rect.top) / rect.height) * this.canvas.height;
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  }

  #down(event) {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    // Stroke width is in CSS pixels of the displayed canvas, so it looks the same at any size.
    const scale = this.canvas.width / this.canvas.getBoundingClientRect().width;
    this.active = { tool: this.tool, width: this.width * scale, points: [this.#point(event)] };
    this.pointerId = event.pointerId;
    this.strokes.push(this.active);
    this.#paint(this.active);
  }

  #move(event) {
    if (!this.active || event.pointerId !== this.pointerId) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    const from = this.active.points.length;
    for (const e of events.length ? events : [event]) this.active.points.push(this.#point(e));
    this.#paint(this.active, from);
  }

  #up(event) {
    if (!this.active || event.pointerId !== this.pointerId) return;
    this.active = null;
    this.onChange();
  }
}
