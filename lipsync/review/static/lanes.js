// The lanes under the waveform, drawn on one canvas the width of the view: a frame ruler with
// timecode, then per track its dialogue lines, words, phones and mouth cues on the frame grid.
// Only what is in view is drawn (binary search), so a 30-minute episode stays smooth. What the
// script says is drawn too: uncertain lines, lines not found (where they were searched), doubtful
// words and the stretches recognized without the script, each with a label, not colour alone.
// Each row's name is in a column left of the time axis, so no label hides what is drawn.

import { cueAt, } from "./edits.js";
import { describe } from "./script.js";
import { frameAt, secondsAt, timecode } from "./timecode.js";

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
  "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d37295", "#a0cbe8", "#ffbe7d", "#8cd17d"];
const ROWS = { ruler: 34, lines: 20, words: 24, phones: 18, cues: 40 };
const EDGE_PX = 5;
// A dialogue line's fill and outline by its script status (a flagged dub-fit line is "flagged").
const LINE_LOOKS = {
  aligned: ["#dde7f3", null], flagged: ["#f6c6c6", null], uncertain: ["#ffe0a3", "#e65100"], "not found": ["#f6c6c6", "#c62828"],
};
const UNSCRIPTED = "unscripted: recognized without the script";

/** Whether `track` has anything to draw in a `kind` row: the lines row shows the lines not
 * found too, the words row the stretches recognized without the script. */
function hasRow(track, kind) {
  const extra = { lines: track.missing, words: track.unscripted }[kind] || [];
  return (track[kind] || []).length + extra.length > 0;
}

/** The first index of `items` (sorted by `start`) that may end after `time`. */
function firstVisible(items, time, end) {
  let low = 0, high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (end(items[mid]) <= time) low = mid + 1; else high = mid;
  }
  return low;
}

/** `text` cut with an ellipsis to fit `width` pixels in `context`'s font. */
function fitted(context, text, width) {
  if (context.measureText(text).width <= width) return text;
  let cut = text;
  while (cut && context.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

export class Lanes {
  /** `tracks`: [{name, cues, lines, words, phones, marks, missing, unscripted}] (the last two:
   * script.js), `shapes`: the preset's shapes, `doubtful`: the confidence under which a word is
   * marked (null: none is). */
  constructor(canvas, { rate, shapes, timecodeStart, drop, rest, doubtful = null }) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.rate = rate;
    this.shapes = shapes;
    this.colors = new Map(shapes.map((shape, index) => [shape.name, PALETTE[index % PALETTE.length]]));
    this.rest = rest;
    this.doubtful = doubtful;
    this.timecodeStart = timecodeStart;
    this.drop = drop;
    this.tracks = [];
    // the width of the rows' names column (review.css's --labels, which moves the waveform right of it too)
    this.labels = parseFloat(getComputedStyle(canvas).getPropertyValue("--labels")) || 0;
    this.width = 800;  // the canvas's: the names column, then the view of the time axis
    this.view = { start: 0, pxPerSec: 100, width: this.width - this.labels };
    this.playhead = 0;
    this.selection = null;   // {track, kind: "cue"|"word", index}
    this.loop = null;        // {start, end} seconds
  }

  rows() {
    const rows = [{ kind: "ruler", height: ROWS.ruler }];
    this.tracks.forEach((track, index) => {
      for (const kind of ["lines", "words", "phones", "cues"]) {
        if (kind !== "cues" && !hasRow(track, kind)) continue;
        rows.push({ kind, track: index, height: ROWS[kind] });
      }
    });
    let y = 0;
    for (const row of rows) { row.y = y; y += row.height; }
    return rows;
  }

  height() { return this.rows().reduce((sum, row) => sum + row.height, 0); }

  x(seconds) { return this.labels + (seconds - this.view.start) * this.view.pxPerSec; }
  time(x) { return this.view.start + (x - this.labels) / this.view.pxPerSec; }

  /** Make the canvas `width` pixels wide: the names column, then the time axis's view. */
  resize(width) {
    const ratio = window.devicePixelRatio || 1;
    const height = this.height();
    this.width = width;
    this.view.width = width - this.labels;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.context.setTransform(ratio, 0, 0, ratio, 0, 0);
  }

  draw() {
    const c = this.context, width = this.width;
    const rows = this.rows();
    c.clearRect(0, 0, width, this.height());
    c.font = "11px system-ui, sans-serif";
    c.textBaseline = "middle";
    c.save();
    c.beginPath();
    c.rect(this.labels, 0, width - this.labels, this.height());
    c.clip();  // nothing on the time axis spills into the names column
    if (this.loop) {
      c.fillStyle = "rgba(255, 215, 0, 0.15)";
      c.fillRect(this.x(this.loop.start), 0, (this.loop.end - this.loop.start) * this.view.pxPerSec, this.height());
    }
    for (const row of rows) {
      if (row.kind === "ruler") this.drawRuler(row);
      else this.drawRow(row, this.tracks[row.track]);
    }
    const x = this.x(this.playhead);
    c.fillStyle = "#d00";
    c.fillRect(Math.round(x) - 1, 0, 2, this.height());
    c.restore();
    for (const row of rows) this.drawName(row);
  }

  /** Write `row`'s name in the names column: the ruler's two lines, a track's name and row kind. */
  drawName(row) {
    const c = this.context, room = this.labels - 8;
    c.fillStyle = "#eceff1";
    c.fillRect(0, row.y, this.labels, row.height);
    c.fillStyle = "#37474f";
    if (row.kind === "ruler") {
      c.fillText("frame", 4, row.y + 9);
      c.fillText("timecode", 4, row.y + 23);
      return;
    }
    const kind = ` · ${row.kind}`;
    c.fillText(fitted(c, this.tracks[row.track].name, room - c.measureText(kind).width) + kind, 4, row.y + row.height / 2);
  }

  drawRuler(row) {
    const c = this.context, rate = this.rate;
    const pxPerFrame = this.view.pxPerSec * rate.den / rate.num;
    const steps = [1, 2, 5, 10, 12, 24, 48, 120, 240, 480, 1200, 2400, 7200, 14400, 43200];
    const every = steps.find((step) => step * pxPerFrame >= 84) || steps[steps.length - 1];
    const first = Math.max(0, frameAt(this.view.start, rate));
    const last = frameAt(this.time(this.width), rate) + 1;
    c.fillStyle = "#f4f4f4";
    c.fillRect(0, row.y, this.width, row.height);
    c.strokeStyle = "#999";
    c.beginPath();
    if (pxPerFrame >= 4) {
      for (let frame = first; frame <= last; frame++) {
        const x = Math.round(this.x(secondsAt(frame, rate))) + 0.5;
        c.moveTo(x, row.y + row.height - 5); c.lineTo(x, row.y + row.height);
      }
    }
    c.stroke();
    c.fillStyle = "#222";
    for (let frame = Math.ceil(first / every) * every; frame <= last; frame += every) {
      const x = this.x(secondsAt(frame, rate));
      c.fillRect(Math.round(x), row.y + 16, 1, row.height - 16);
      c.fillText(String(frame), x + 3, row.y + 9);
      c.fillStyle = "#666";
      c.fillText(timecode(frame + this.timecodeStart, rate, this.drop), x + 3, row.y + 23);
      c.fillStyle = "#222";
    }
  }

  drawRow(row, track) {
    const c = this.context, rate = this.rate, top = row.y, height = row.height;
    const from = this.view.start, to = this.time(this.width);
    const selected = this.selection && this.selection.track === row.track ? this.selection : null;
    c.fillStyle = row.kind === "cues" ? "#fff" : "#fafafa";
    c.fillRect(0, top, this.width, height);
    const box = (start, end, fill, label, outline) => {
      const x0 = this.x(start), x1 = this.x(end);
      c.fillStyle = fill;
      c.fillRect(x0, top + 1, Math.max(1, x1 - x0 - 1), height - 2);
      if (outline) { c.strokeStyle = outline; c.lineWidth = 2; c.strokeRect(x0 + 1, top + 2, x1 - x0 - 3, height - 4); c.lineWidth = 1; }
      if (label && x1 - x0 > 12) {
        c.save(); c.beginPath(); c.rect(x0, top, x1 - x0 - 2, height); c.clip();
        c.fillStyle = "#111"; c.fillText(label, Math.max(x0, this.labels) + 3, top + height / 2); c.restore();
      }
    };
    if (row.kind === "cues") {
      const cues = track.cues;
      const start = Math.max(0, cueAt(cues, Math.max(0, frameAt(from, rate))));
      for (let i = start; i < cues.length && secondsAt(cues[i].frame, rate) < to; i++) {
        const cue = cues[i];
        const isSelected = selected && selected.kind === "cue" && selected.index === i;
        const fill = cue.shape === this.rest ? "#e8e8e8" : this.colors.get(cue.shape) || "#ccc";
        box(secondsAt(cue.frame, rate), secondsAt(cue.frame + cue.length, rate), fill, cue.shape,
          isSelected ? "#000" : null);
        if (cue.edited) { c.fillStyle = "#ff6a00"; c.fillRect(this.x(secondsAt(cue.frame, rate)), top + 1, Math.max(2, cue.length * this.view.pxPerSec * rate.den / rate.num - 1), 4); }
      }
      for (const mark of track.marks || []) {
        const x0 = this.x(secondsAt(mark.frame, rate));
        if (x0 > this.width) continue;
        c.fillStyle = "rgba(220, 0, 0, 0.55)";
        c.fillRect(x0, top + height - 7, mark.length * this.view.pxPerSec * rate.den / rate.num, 6);
      }
      const pxPerFrame = this.view.pxPerSec * rate.den / rate.num;
      if (pxPerFrame >= 6) {
        c.strokeStyle = "rgba(0,0,0,0.12)"; c.beginPath();
        for (let frame = frameAt(from, rate); secondsAt(frame, rate) < to; frame++) {
          const x = Math.round(this.x(secondsAt(frame, rate))) + 0.5;
          c.moveTo(x, top + height - 10); c.lineTo(x, top + height);
        }
        c.stroke();
      }
    } else if (row.kind === "lines") {
      for (const line of [...track.lines, ...(track.missing || [])]) {
        const start = secondsAt(line.frame, rate), end = secondsAt(line.frame + line.length, rate);
        if (end < from || start > to) continue;
        const [fill, outline] = LINE_LOOKS[line.flagged ? "flagged" : line.status || "aligned"];
        box(start, end, fill, line.label || describe(line), outline);
      }
    } else {
      if (row.kind === "words") {
        for (const [start, end] of track.unscripted || []) {
          if (end > from && start < to) box(start, end, "#e8dcf0", UNSCRIPTED, "#7b1fa2");
        }
      }
      const items = track[row.kind];
      const i0 = firstVisible(items, from, (item) => item.end);
      for (let i = i0; i < items.length && items[i].start < to; i++) {
        const item = items[i];
        const isSelected = row.kind === "words" && selected && selected.kind === "word" && selected.index === i;
        if (row.kind === "words") {
          const doubtful = this.isDoubtful(item);
          box(item.start, item.end, doubtful ? "#f4b4a8" : "#eee6cf", doubtful ? `${item.text}?` : item.text,
            isSelected ? "#000" : doubtful ? "#c62828" : null);
        } else {
          box(item.start, item.end, "#ececec", item.symbol, null);
        }
      }
    }
  }

  /** Whether `word` was heard with a confidence under the doubtful one. */
  isDoubtful(word) {
    return this.doubtful !== null && typeof word.confidence === "number" && word.confidence < this.doubtful;
  }

  /** What is under the point (x, y): the row, its time and frame, and the item and edge; in the
   * names column, `name: true`, the row's track, and the time at the view's start. */
  hit(x, y) {
    const row = this.rows().find((r) => y >= r.y && y < r.y + r.height);
    const time = this.time(Math.max(x, this.labels)), frame = frameAt(time, this.rate);
    if (x < this.labels) return { row, time, frame, track: row && row.track, name: true };
    if (!row || row.kind === "ruler") return { row, time, frame };
    const track = this.tracks[row.track];
    if (row.kind === "cues") {
      const nearest = Math.round(time * this.rate.num / this.rate.den);
      const index = cueAt(track.cues, nearest);
      if (index > 0 && track.cues[index].frame === nearest &&
          Math.abs(this.x(secondsAt(nearest, this.rate)) - x) <= EDGE_PX) {
        return { row, time, frame, track: row.track, kind: "cue", index, edge: "start" };
      }
      return { row, time, frame, track: row.track, kind: "cue", index: cueAt(track.cues, frame) };
    }
    if (row.kind === "words") {
      const words = track.words;
      const i0 = firstVisible(words, time - EDGE_PX / this.view.pxPerSec, (w) => w.end);
      for (let i = i0; i < words.length && words[i].start <= time + EDGE_PX / this.view.pxPerSec; i++) {
        const word = words[i];
        if (Math.abs(this.x(word.start) - x) <= EDGE_PX) return { row, time, frame, track: row.track, kind: "word", index: i, edge: "start" };
        if (Math.abs(this.x(word.end) - x) <= EDGE_PX) return { row, time, frame, track: row.track, kind: "word", index: i, edge: "end" };
        if (word.start <= time && time < word.end) return { row, time, frame, track: row.track, kind: "word", index: i };
      }
    }
    return { row, time, frame, track: row.track };
  }
}
