// The review page: plays the audio, shows the mouth of each track at the playhead (the audio
// clock picks the frame), and edits the cues. Everything it loads comes from the lipsync review
// server that served it (relative addresses keep the session's token).

import WaveSurfer from "./vendor/wavesurfer/wavesurfer.esm.js";
import RegionsPlugin from "./vendor/wavesurfer/regions.esm.js";
import * as edits from "./edits.js";
import { Lanes } from "./lanes.js";
import { adaptPanel } from "./adapt.js";
import { RhythmoBand } from "./rhythmo.js";
import { checkList, describe, overlaps, scriptTracks } from "./script.js";
import { frameAt, framesAt, secondsAt, timecode } from "./timecode.js";

const $ = (selector) => document.querySelector(selector);

const SHORTCUTS = [
  ["Space", "play / pause"],
  ["← →", "previous / next frame"],
  ["Shift+← →", "one second back / forward"],
  ["Home End", "start / end"],
  ["H", "half speed on / off"],
  ["I O", "selection in / out at the playhead (or drag on the waveform)"],
  ["L", "loop the selection on / off"],
  ["+ − F", "zoom in / out / whole"],
  ["C W", "select the cue / word at the playhead"],
  ["] [", "next / previous cue or word"],
  ["Esc", "clear the selection; with nothing selected, leave the lanes"],
  ["↑ ↓", "previous / next track"],
  ["1-9 0, Shift+1-5", "set the selected cue's shape (palette order; the keypad's digits too)", "edit"],
  [", .", "move the selected cue's or word's start a frame earlier / later", "edit"],
  ["< >", "move the selected cue's or word's end a frame earlier / later", "edit"],
  ["S", "split the selected cue at the playhead", "edit"],
  ["M", "merge the selected cue with the next", "edit"],
  ["Delete", "delete the selected cue (its frames go to the one before)", "edit"],
  ["R", "re-animate the selected word's stretch from its phones", "edit"],
  ["Ctrl+Z / Ctrl+Shift+Z", "undo / redo", "edit"],
  ["Ctrl+S", "save (and export the chosen formats)", "edit"],
  ["N P", "next / previous line to check: uncertain or not found (script), flagged (dub-fit report)"],
  ["drag", "a cue boundary or a word's edge (snapped to frames); click to select and seek", "edit"],
  ["Tab Shift+Tab", "next / previous control (the lanes are one stop); these keys work anywhere but in a text field, and Space or Enter presses the focused button"],
];

const page = {
  state: null, rate: null, tracks: [], shapes: [], durationFrames: 0, duration: 0,
  editable: false, dirty: false, history: new edits.History(), selection: null, activeTrack: 0,
  revision: 0, version: null,  // how many edits the page made; the version of the file they are made on
  shownFrame: -1, loop: false, half: false, media: null, ws: null, regions: null, region: null,
  lanes: null, pxPerSec: 0, stops: [], band: null, scriptBand: null,
  busy: null,     // the request under way ("a save", "a re-animation"): another is refused meanwhile; else null
  refusal: null,  // the notice of the last key or drag that did nothing (refuse)
};

const REFUSAL_MS = 6000;  // how long the notice of a key or drag that did nothing stays

// ------------------------------------------------------------------ messages and requests

function notice(text, kind = "info", extra = null) {
  const box = document.createElement("div");
  box.className = kind;
  box.textContent = text;
  if (extra) box.append(" ", extra);
  $("#notice").append(box);
  return box;
}

/** Say why a key, click or drag did nothing, in a notice that replaces the previous such one
 * and goes after a few seconds. */
function refuse(text) {
  if (page.refusal) { clearTimeout(page.refusal.timer); page.refusal.box.remove(); }
  const box = notice(text, "warning");
  page.refusal = { box, timer: setTimeout(() => box.remove(), REFUSAL_MS) };
}

async function request(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) {
    const error = new Error(data.error + (data.hint ? ` (hint: ${data.hint})` : ""));
    error.status = response.status;
    throw error;
  }
  return data;
}

// ------------------------------------------------------------------ the model

function fitTracks(fit, shapes) {
  const byOpenness = new Map(shapes.map((shape) => [String(shape.openness), shape.name]));
  const tracks = ["original", "dub"].map((side) => ({ name: side, cues: [], lines: [], words: [], phones: [], marks: [] }));
  for (const line of fit.lines) {
    const start = line.window.frame;
    ["original", "dub"].forEach((side, index) => {
      const track = tracks[index];
      const openness = line[`openness_${side}`] || "";
      for (let i = 0; i < openness.length;) {
        let j = i;
        while (j < openness.length && openness[j] === openness[i]) j++;
        const shape = byOpenness.get(openness[i]);
        if (shape) track.cues.push({ frame: start + i, length: j - i, shape });
        i = j;
      }
      const span = line[side];
      track.lines.push({ frame: span.frame, length: span.length, flagged: line.flagged,
        text: span.text || "", label: `#${line.number} ${Math.round(line.score)} · ${span.text || ""}` });
    });
    tracks[1].marks.push(...line.mismatch_frames);
  }
  return tracks;
}

function trackParts(track) {
  return { name: track.name, cues: track.cues, words: track.words, phones: track.phones };
}

function snapshot() {
  return { tracks: page.tracks.map((t) => ({ cues: t.cues, words: t.words, phones: t.phones })), selection: page.selection };
}

function restore(saved) {
  saved.tracks.forEach((parts, index) => Object.assign(page.tracks[index], parts));
  page.selection = saved.selection;
}

/** Replace parts of track `index` by an edit (undoable). */
function apply(index, parts, selection = page.selection) {
  const track = page.tracks[index];
  if (Object.entries(parts).every(([key, value]) => track[key] === value)) return false;
  page.history.push(snapshot());
  Object.assign(track, parts);
  page.selection = selection;
  markEdited();
  refresh(true);
  return true;
}

/** Count an edit: the page stays dirty until a save that carried it (see save) succeeds. */
function markEdited() {
  page.revision += 1;
  setDirty(true);
}

function setDirty(dirty) {
  page.dirty = dirty;
  $("#dirty").hidden = !dirty;
}

// ------------------------------------------------------------------ the clock and what it shows

function currentTime() { return page.media.currentTime; }

/** The frame shown at `time` (the audio clock by default): read the clock once per drawing. */
function currentFrame(time = currentTime()) {
  return Math.max(0, Math.min(page.durationFrames - 1, frameAt(time, page.rate)));
}

function seek(seconds) {
  const time = Math.max(0, Math.min(page.duration, seconds));
  page.media.currentTime = time;
  followPlayhead(time);
  refresh(true);
}

function seekFrame(frame) {
  const clamped = Math.max(0, Math.min(page.durationFrames - 1, frame));
  seek(secondsAt(clamped, page.rate) + 1e-4);  // inside the frame, whatever the rounding
}

function tick() {
  const time = currentTime();
  if (page.loop && page.region && !page.media.paused && time >= page.region.end) {
    page.media.currentTime = page.region.start;
  }
  refresh(false);
  requestAnimationFrame(tick);
}

function refresh(force) {
  const time = currentTime();
  const frame = currentFrame(time);
  const moved = page.lanes.playhead !== time;
  if (frame !== page.shownFrame || force) {
    page.shownFrame = frame;
    showMouths(frame);
    $("#timecode").textContent = timecode(frame + page.state.timecode.start, page.rate, page.state.timecode.drop);
    $("#frame").textContent = String(frame);
    $("#line").textContent = lineAt(frame);
    showSelection();
  }
  $("#seconds").textContent = time.toFixed(3);
  page.band.draw(Math.min(framesAt(time, page.rate), page.durationFrames - 1e-3));
  if (moved || force) {
    page.lanes.playhead = time;
    if (!page.media.paused) followPlayhead(time);
    page.lanes.draw();
  }
}

function followPlayhead(time) {
  const x = (time - page.lanes.view.start) * page.pxPerSec;
  if (x < 0 || x > page.lanes.view.width * 0.95) page.ws.setScrollTime(Math.max(0, time - 0.05 * page.lanes.view.width / page.pxPerSec));
}

/** The dialogue at `frame`, a line per track that has some: its lines (with their script
 * number and status), and whether its mouth there was recognized without the script. */
function lineAt(frame) {
  const start = secondsAt(frame, page.rate), end = secondsAt(frame + 1, page.rate);
  const shown = [];
  for (const track of page.tracks) {
    const parts = [...track.lines, ...(track.missing || [])]
      .filter((line) => line.frame <= frame && frame < line.frame + line.length).map(describe);
    if (overlaps(track.unscripted || [], start, end)) {
      parts.push(parts.length ? "the mouth here is recognized without the script"
        : "unscripted: the mouth here is recognized without the script (no script line)");
    }
    if (parts.length) shown.push(`${track.name}: ${parts.join(" · ")}`);
  }
  return shown.join("\n");
}

function showMouths(frame) {
  page.tracks.forEach((track, index) => {
    const figure = document.querySelector(`figure.mouth[data-track="${index}"]`);
    const at = edits.cueAt(track.cues, frame);
    const shape = at >= 0 ? track.cues[at].shape : null;
    figure.dataset.frame = String(frame);
    if (figure.dataset.shape === (shape ?? "")) return;
    figure.dataset.shape = shape ?? "";
    for (const img of figure.querySelectorAll("img")) img.classList.toggle("on", img.dataset.shape === shape);
    const info = page.shapes.find((s) => s.name === shape);
    figure.querySelector(".label").textContent = shape ?? "–";
    figure.querySelector("figcaption").textContent = `${track.name} · ${shape === null ? "no mouth" : (info && info.label) || shape}`;
  });
}

function buildMouths() {
  const holder = $("#mouths");
  page.tracks.forEach((track, index) => {
    const figure = document.createElement("figure");
    figure.className = "mouth";
    figure.dataset.track = String(index);
    figure.dataset.shape = "\u0000";
    const drawing = document.createElement("div");
    drawing.className = "drawing";
    page.shapes.forEach((shape, number) => {
      const img = document.createElement("img");
      img.src = `mouth/${number}`;
      img.alt = shape.name;
      img.dataset.shape = shape.name;
      img.addEventListener("error", () => figure.classList.add("no-drawing"));
      drawing.append(img);
    });
    const label = document.createElement("div");
    label.className = "label";
    drawing.append(label);
    figure.append(drawing, document.createElement("figcaption"));
    holder.append(figure);
  });
}

// ------------------------------------------------------------------ the rhythmo band

/** Show `band` (api/rhythmo's data) under the waveform: the dub script's, or a candidate's. */
function showBand(band) {
  $("#rhythmo").hidden = false;
  $("#rhythmo-source").textContent = band.source;
  $("#rhythmo-script").hidden = !page.scriptBand || band === page.scriptBand;
  page.band.show(band);
  refresh(true);
}

// ------------------------------------------------------------------ selection and inspector

function selectedItem() {
  const s = page.selection;
  if (!s) return null;
  const track = page.tracks[s.track];
  return s.kind === "cue" ? track.cues[s.index] : track.words[s.index];
}

function select(selection) {
  page.selection = selection;
  if (selection) page.activeTrack = selection.track;
  page.lanes.selection = selection;
  showSelection();
  page.lanes.draw();
}

function showSelection() {
  const s = page.selection, item = selectedItem();
  page.lanes.selection = s;
  const text = $("#selected");
  for (const button of $("#palette").children) button.classList.toggle("current", !!(item && s.kind === "cue" && button.dataset.shape === item.shape));
  if (!item) { text.textContent = "Nothing selected: click a cue or a word, or press C / W."; return; }
  const track = page.tracks[s.track];
  if (s.kind === "cue") {
    text.textContent = `${track.name}: cue ${s.index + 1} of ${track.cues.length}, shape ${item.shape}, frames ${item.frame}–${item.frame + item.length - 1} (${item.length})${item.edited ? ", edited" : ""}`;
  } else {
    const sure = typeof item.confidence === "number"
      ? `, confidence ${item.confidence.toFixed(2)}${page.lanes.isDoubtful(item) ? " (doubtful: check it)" : ""}` : "";
    text.textContent = `${track.name}: word “${item.text}” ${item.start.toFixed(3)}–${item.end.toFixed(3)} s (frames ${frameAt(item.start, page.rate)}–${frameAt(item.end, page.rate)})${sure}`;
  }
}

function buildPalette() {
  const palette = $("#palette");
  page.shapes.forEach((shape, index) => {
    const button = document.createElement("button");
    button.dataset.shape = shape.name;
    button.title = shape.label || shape.name;
    button.textContent = shape.name;
    const key = document.createElement("kbd");
    key.textContent = index < 10 ? String((index + 1) % 10) : `⇧${index - 9}`;
    button.append(key);
    button.addEventListener("click", () => setSelectedShape(shape.name));
    palette.append(button);
  });
}

function buildShortcuts() {
  const list = $("#shortcuts");
  for (const [keys, what, use] of SHORTCUTS) {
    if (use === (page.editable ? "fit" : "edit")) continue;
    const term = document.createElement("dt"), key = document.createElement("kbd"), text = document.createElement("dd");
    key.textContent = keys;
    text.textContent = what;
    term.append(key);
    list.append(term, text);
  }
}

// ------------------------------------------------------------------ edits

/** The selected cue's selection, when the page edits; else null, said in a notice. */
function selectedCue() {
  const s = page.selection;
  if (!page.editable) return null;
  if (s && s.kind === "cue" && page.tracks[s.track].cues[s.index]) return s;
  refuse("Select a cue first: click one, or press C (the cue at the playhead).");
  return null;
}

function setSelectedShape(shape) {
  const s = selectedCue();
  if (s) apply(s.track, { cues: edits.setShape(page.tracks[s.track].cues, s.index, shape) });
}

function splitSelected() {
  const s = selectedCue();
  if (!s) return;
  const cues = edits.split(page.tracks[s.track].cues, s.index, currentFrame());
  if (!apply(s.track, { cues }, { ...s, index: s.index + 1 })) refuse("Not split: put the playhead inside the selected cue, past its first frame.");
}

function mergeSelected() {
  const s = selectedCue();
  if (s && !apply(s.track, { cues: edits.mergeNext(page.tracks[s.track].cues, s.index) })) refuse("Not merged: the last cue has no next cue.");
}

function deleteSelected() {
  const s = selectedCue();
  if (!s) return;
  const cues = edits.remove(page.tracks[s.track].cues, s.index);
  if (!apply(s.track, { cues }, { ...s, index: Math.max(0, s.index - 1) })) refuse("Not deleted: it is the track's only cue.");
}

/** Move the selected cue's or word's `edge` ("start", "end") by `frames` (1 or -1). */
function nudge(edge, frames) {
  const s = page.selection, item = selectedItem();
  if (!page.editable) return;
  if (!item) {
    refuse("Select a cue or a word first: click one, or press C / W.");
  } else if (s.kind === "cue") {
    nudgeCue(s, edge, frames);
  } else {
    const step = frames * page.rate.den / page.rate.num;
    const start = edge === "start" ? snap(item.start + step) : item.start;
    const end = edge === "end" ? snap(item.end + step) : item.end;
    reanimate(s.track, s.index, start, end);
  }
}

function nudgeCue(s, edge, frames) {
  const cues = page.tracks[s.track].cues;
  const boundary = edge === "start" ? s.index : s.index + 1;  // the cue that starts at that edge
  const inside = boundary > 0 && boundary < cues.length;
  if (!inside || !apply(s.track, { cues: edits.moveBoundary(cues, boundary, cues[boundary].frame + frames) })) {
    refuse(nudgeRefusal(cues, s.index, boundary, frames));
  }
}

/** Why cue `index`'s edge at the start of cue `boundary` cannot move by `frames`: it is the
 * sheet's start or end, or the cue it would take a frame from has only one. */
function nudgeRefusal(cues, index, boundary, frames) {
  const edge = boundary === index ? "start" : "end";
  const what = `The cue's ${edge} cannot move a frame ${frames < 0 ? "earlier" : "later"}`;
  if (boundary === 0) return `${what}: it is the sheet's first frame.`;
  if (boundary === cues.length) return `${what}: it is the sheet's last frame.`;
  const shrinking = frames > 0 ? boundary : boundary - 1;
  const whose = shrinking === index ? "this cue is" : `the ${shrinking < index ? "previous" : "next"} cue is`;
  return `${what}: ${whose} one frame long, and a cue keeps at least one (merge or delete it instead).`;
}

function snap(seconds) {
  return secondsAt(Math.round(seconds * page.rate.num / page.rate.den), page.rate);
}

/** Re-animate word `wordIndex` of track `trackIndex` moved to `start`-`end` seconds (the
 * server's api/reanimate); refused, saying why, when it cannot be or while a save runs. */
async function reanimate(trackIndex, wordIndex, start, end) {
  const why = !page.state.reanimate.available ? `Cannot re-animate: ${page.state.reanimate.reason}`
    : page.busy ? `Word not re-animated: ${page.busy} is still running; move it again when it is done.` : null;
  if (why) {
    refuse(why);
    page.lanes.draw();  // a dragged word back where it was
    return;
  }
  page.busy = "a re-animation";
  try {
    const track = page.tracks[trackIndex];
    const result = await request("api/reanimate", { track: trackParts(track), word: wordIndex, start, end });
    apply(trackIndex, result, { track: trackIndex, kind: "word", index: wordIndex });
  } catch (error) {
    notice(error.message, "error");
    refresh(true);
  } finally {
    page.busy = null;
  }
}

function reanimateSelected() {
  const s = page.selection;
  if (!page.editable) return;
  if (!s || s.kind !== "word") { refuse("Select a word first: click one, or press W (the word at the playhead)."); return; }
  const word = selectedItem();
  reanimate(s.track, s.index, word.start, word.end);
}

function undo() {
  const previous = page.history.undo(snapshot());
  if (previous) { restore(previous); markEdited(); refresh(true); }
}

function redo() {
  const next = page.history.redo(snapshot());
  if (next) { restore(next); markEdited(); refresh(true); }
}

function editedSheet() {
  const sheet = structuredClone(page.state.sheet);
  sheet.tracks.forEach((track, index) => Object.assign(track, trackParts(page.tracks[index])));
  return sheet;
}

/** Save the edits made so far on the version of the file the page holds; edits made while the
 * save runs are not in it and stay unsaved. */
async function save() {
  if (!page.editable) return;
  if (page.busy) { refuse(`Not saved: ${page.busy} is still running; save again when it is done.`); return; }
  page.busy = "a save";
  const formats = [...document.querySelectorAll("#export-list input:checked")].map((box) => box.value);
  const revision = page.revision;
  try {
    const result = await request("api/save", { tracks: page.tracks.map(trackParts), formats, version: page.version });
    page.version = result.version;
    setDirty(page.revision !== revision);
    const exported = result.exports.length ? `; exported ${result.exports.join(", ")}` : "";
    const later = page.dirty ? " The edits made while saving are not in it: save again." : "";
    notice(`Saved ${result.saved}${result.backup ? ` (previous version kept as ${result.backup})` : ""}${exported}.${later}`);
    for (const warning of result.warnings) notice(warning, "warning");
  } catch (error) {
    const actions = document.createElement("span");
    if (error.status === 409) {
      const download = document.createElement("button");
      download.textContent = "Download my edited sheet";
      download.addEventListener("click", () => {
        const blob = new Blob([JSON.stringify(editedSheet(), null, 1) + "\n"], { type: "application/json" });
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = page.state.name.replace(/\.json$/i, "") + ".edited.json";
        link.click();
      });
      const reload = document.createElement("button");
      reload.textContent = "Reload from disk (drops my edits)";
      reload.addEventListener("click", async () => {
        await request("api/reload", {});
        page.dirty = false;
        location.reload();
      });
      actions.append(download, " ", reload);
    }
    notice(`Not saved: ${error.message}`, "error", actions);
  } finally {
    page.busy = null;
  }
}

// ------------------------------------------------------------------ playing

function togglePlay() {
  if (page.media.paused) {
    if (page.loop && page.region && (currentTime() < page.region.start || currentTime() >= page.region.end)) {
      page.media.currentTime = page.region.start;
    }
    page.media.play().catch((error) => notice(`Cannot play: ${error.message}`, "error"));
  } else {
    page.media.pause();
  }
}

function toggleHalf() {
  page.half = !page.half;
  page.media.playbackRate = page.half ? 0.5 : 1;
  $("#half").setAttribute("aria-pressed", String(page.half));
  $("#speed").textContent = `speed ${page.half ? "½" : "1"}×`;
}

function toggleLoop() {
  if (!page.region) { refuse("Select a stretch first: drag on the waveform, or press I and O."); return; }
  page.loop = !page.loop;
  $("#loop").setAttribute("aria-pressed", String(page.loop));
  page.lanes.loop = page.loop ? { start: page.region.start, end: page.region.end } : null;
  page.lanes.draw();
}

function setSelectionEdge(edge) {
  const time = currentTime();
  let start = page.region ? page.region.start : time, end = page.region ? page.region.end : time;
  if (edge === "in") start = time; else end = time;
  if (end <= start) { if (edge === "in") end = Math.min(page.duration, start + 1); else start = Math.max(0, end - 1); }
  if (page.region) page.region.setOptions({ start, end });
  else page.region = page.regions.addRegion({ start, end, color: "rgba(255, 215, 0, 0.25)" });
  if (page.loop) page.lanes.loop = { start, end };
  page.lanes.draw();
}

function zoom(factor) {
  const fit = page.lanes.view.width / page.duration;
  const wanted = factor === 0 ? fit : Math.max(fit, Math.min(2000, page.pxPerSec * factor));
  const centre = currentTime();
  page.ws.zoom(wanted);
  page.ws.setScrollTime(Math.max(0, centre - page.lanes.view.width / wanted / 2));
}

// ------------------------------------------------------------------ keyboard

function stepSelection(direction) {
  const s = page.selection;
  const track = page.tracks[s ? s.track : page.activeTrack];
  const kind = s ? s.kind : "cue";
  const items = kind === "cue" ? track.cues : track.words;
  if (!items.length) return;
  const index = s ? Math.max(0, Math.min(items.length - 1, s.index + direction)) : 0;
  const trackIndex = s ? s.track : page.activeTrack;
  select({ track: trackIndex, kind, index });
  if (kind === "cue") seekFrame(items[index].frame); else seek(items[index].start + 1e-4);
}

function selectAtPlayhead(kind) {
  const track = page.tracks[page.activeTrack];
  const index = kind === "cue" ? edits.cueAt(track.cues, currentFrame())
    : track.words.findIndex((word) => word.start <= currentTime() + 1e-6 && currentTime() < word.end);
  if (index >= 0) select({ track: page.activeTrack, kind, index });
}

/** Go to the next (`direction` 1) or previous (-1) line to check, round the end. */
function moveStop(direction) {
  if (!page.stops.length) return;
  const frame = currentFrame();
  const sorted = page.stops;
  const next = direction > 0 ? sorted.find((stop) => stop.frame > frame) || sorted[0]
    : [...sorted].reverse().find((stop) => stop.frame < frame) || sorted[sorted.length - 1];
  goToStop(next);
}

/** Go to a line to check ({frame, length, item}: a flagged dub-fit line, a script line not
 * aligned): the playhead at its start, its stretch selected, its list item marked current. */
function goToStop(stop) {
  seekFrame(stop.frame);
  const start = secondsAt(stop.frame, page.rate), end = secondsAt(stop.frame + stop.length, page.rate);
  if (page.region) page.region.setOptions({ start, end });
  else page.region = page.regions.addRegion({ start, end, color: "rgba(255, 215, 0, 0.25)" });
  page.ws.setScrollTime(Math.max(0, start - 0.5));
  for (const item of stop.item.parentElement.children) item.classList.toggle("current", item === stop.item);
}

/** Whether `event`'s key belongs to the focused element rather than to the page's shortcuts:
 * Tab (focus moves on, WAI-ARIA practice), any key in a text field or a list box, Space and
 * Enter on a button, a checkbox or the Export on save summary. */
function ownKey(event) {
  if (event.key === "Tab") return true;
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return false;
  if (target.closest("textarea, select, input:not([type=checkbox])")) return true;
  return (event.key === " " || event.key === "Enter") && !!target.closest("button, summary, input, a[href]");
}

/** The digit of a digit key, on the top row (Shift+1 too) or the numeric keypad; else null. */
function digitOf(event) {
  const top = /^Digit(\d)$/.exec(event.code);
  if (top) return Number(top[1]);
  return /^Numpad\d$/.test(event.code) && /^\d$/.test(event.key) ? Number(event.key) : null;
}

/** Escape: clear the selection; with nothing selected, leave the lanes (focus goes on from there). */
function escape() {
  if (page.selection) select(null);
  else if (document.activeElement === $("#lanes")) $("#lanes").blur();
}

function onKey(event) {
  if (ownKey(event)) return;
  const key = event.key, ctrl = event.ctrlKey || event.metaKey;
  const done = () => event.preventDefault();
  if (ctrl && key.toLowerCase() === "z") { event.shiftKey ? redo() : undo(); return done(); }
  if (ctrl && key.toLowerCase() === "y") { redo(); return done(); }
  if (ctrl && key.toLowerCase() === "s") { save(); return done(); }
  if (ctrl || event.altKey) return;
  const digit = digitOf(event);
  if (digit !== null && page.editable) {
    const index = event.shiftKey ? 9 + digit : (digit + 9) % 10;
    if (page.shapes[index]) setSelectedShape(page.shapes[index].name);
    return done();
  }
  const step = event.shiftKey ? Math.round(page.rate.num / page.rate.den) : 1;
  switch (key) {
    case " ": togglePlay(); break;
    case "ArrowLeft": page.media.pause(); seekFrame(currentFrame() - step); break;
    case "ArrowRight": page.media.pause(); seekFrame(currentFrame() + step); break;
    case "Home": seekFrame(0); break;
    case "End": seekFrame(page.durationFrames - 1); break;
    case "ArrowUp": page.activeTrack = Math.max(0, page.activeTrack - 1); select(null); break;
    case "ArrowDown": page.activeTrack = Math.min(page.tracks.length - 1, page.activeTrack + 1); select(null); break;
    case "]": stepSelection(1); break;
    case "[": stepSelection(-1); break;
    case "Escape": escape(); break;
    case "h": case "H": toggleHalf(); break;
    case "l": case "L": toggleLoop(); break;
    case "i": case "I": setSelectionEdge("in"); break;
    case "o": case "O": setSelectionEdge("out"); break;
    case "+": case "=": zoom(1.5); break;
    case "-": zoom(1 / 1.5); break;
    case "f": case "F": zoom(0); break;
    case "c": case "C": selectAtPlayhead("cue"); break;
    case "w": case "W": selectAtPlayhead("word"); break;
    case "s": case "S": splitSelected(); break;
    case "m": case "M": mergeSelected(); break;
    case "Delete": case "Backspace": deleteSelected(); break;
    case ",": nudge("start", -1); break;
    case ".": nudge("start", 1); break;
    case "<": nudge("end", -1); break;
    case ">": nudge("end", 1); break;
    case "r": case "R": reanimateSelected(); break;
    case "n": case "N": moveStop(1); break;
    case "p": case "P": moveStop(-1); break;
    default: return;
  }
  done();
}

// ------------------------------------------------------------------ pointer on the lanes

function pointerOnLanes(canvas) {
  let drag = null;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return page.lanes.hit(event.clientX - box.left, event.clientY - box.top);
  };
  canvas.addEventListener("pointermove", (event) => {
    const hit = at(event);
    if (!drag) { canvas.style.cursor = hit.name ? "default" : hit.edge && page.editable ? "ew-resize" : "crosshair"; return; }
    const track = page.tracks[drag.track];
    if (drag.kind === "boundary") {
      track.cues = edits.moveBoundary(drag.before.tracks[drag.track].cues, drag.index, Math.round(hit.time * page.rate.num / page.rate.den));
      refresh(true);
    } else if (drag.kind === "word") {
      const word = drag.before.tracks[drag.track].words[drag.index];
      const edge = snap(hit.time);
      const moved = drag.edge === "start" ? { ...word, start: Math.min(edge, word.end) } : { ...word, end: Math.max(edge, word.start) };
      track.words = track.words.map((w, i) => (i === drag.index ? moved : w));
      page.lanes.draw();
    } else {
      seek(hit.time);
    }
  });
  canvas.addEventListener("pointerdown", (event) => {
    canvas.focus();
    canvas.setPointerCapture(event.pointerId);
    const hit = at(event);
    if (hit.name) {  // a row's name: its track becomes the active one
      if (hit.track !== undefined) page.activeTrack = hit.track;
    } else if (hit.edge && page.editable && hit.kind === "cue") {
      drag = { kind: "boundary", track: hit.track, index: hit.index, before: snapshot() };
      select({ track: hit.track, kind: "cue", index: hit.index });
    } else if (hit.edge && page.editable && hit.kind === "word") {
      drag = { kind: "word", track: hit.track, index: hit.index, edge: hit.edge, before: snapshot() };
      select({ track: hit.track, kind: "word", index: hit.index });
    } else {
      if (hit.kind && hit.index >= 0) select({ track: hit.track, kind: hit.kind, index: hit.index });
      else if (hit.track !== undefined) page.activeTrack = hit.track;
      drag = { kind: "seek" };
      seek(hit.time);
    }
  });
  const finish = () => {
    if (!drag) return;
    const ended = drag;
    drag = null;
    if (ended.kind === "boundary") {
      const after = page.tracks[ended.track].cues;
      if (after !== ended.before.tracks[ended.track].cues) {
        page.history.push(ended.before);
        markEdited();
      }
      refresh(true);
    } else if (ended.kind === "word") {
      const moved = page.tracks[ended.track].words[ended.index];
      page.tracks[ended.track].words = ended.before.tracks[ended.track].words;
      const original = ended.before.tracks[ended.track].words[ended.index];
      if (moved.start !== original.start || moved.end !== original.end) reanimate(ended.track, ended.index, moved.start, moved.end);
      else page.lanes.draw();
    }
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    if (event.ctrlKey) zoom(event.deltaY < 0 ? 1.25 : 0.8);
    else page.ws.setScroll(page.ws.getScroll() + (event.deltaX || event.deltaY));
  }, { passive: false });
}

// ------------------------------------------------------------------ start

/** List a dub-fit report's lines (a button each goes to one); returns its flagged lines' stops in time order. */
function fitList(fit) {
  $("#fit").hidden = false;
  const list = $("#fit-lines"), stops = [];
  for (const line of fit.lines) {
    const item = document.createElement("li"), button = document.createElement("button");
    const stop = { ...line.window, item };
    item.dataset.number = String(line.number);
    item.className = line.flagged ? "flagged" : "";
    button.textContent = `${Math.round(line.score)} · ${line.dub.text || line.original.text || "(no text)"} — ${line.advice}`;
    button.addEventListener("click", () => goToStop(stop));
    item.append(button);
    list.append(item);
    if (line.flagged) stops.push(stop);
  }
  return stops.sort((a, b) => a.frame - b.frame);
}

/** Say what became of the script's lines when some are not aligned, and list them. */
function scriptChecks(state) {
  page.stops = checkList($("#check-lines"), state.sheet, page.tracks, page.rate, goToStop);
  if (!$("#check-lines").children.length) return;
  $("#checks").hidden = false;
  notice(`Script: ${state.script.summary}. The lines to check are listed under the timeline and marked in the ` +
    "lines lane; N / P go to the next / previous one.", "warning");
}

function viewChanged() {
  const wrapper = page.ws.getWrapper();
  page.pxPerSec = wrapper.scrollWidth / page.duration;
  page.lanes.view.pxPerSec = page.pxPerSec;
  page.lanes.view.start = page.ws.getScroll() / page.pxPerSec;
  page.lanes.draw();
}

async function start() {
  const state = await request("api/state");
  page.state = state;
  page.rate = state.rate;
  page.shapes = state.shapes;
  document.title = `${state.name} · lipsync review`;
  $("#file").textContent = state.name;
  if (state.mode === "fit") {
    page.tracks = fitTracks(state.fit, state.shapes);
    page.durationFrames = Math.max(1, ...state.fit.lines.map((line) => line.window.frame + line.window.length));
    document.body.classList.add("read-only");
    notice(`Dub-fit report: ${state.fit.summary.flagged} of ${state.fit.summary.lines} lines flagged. N / P go to the next / previous flagged line; the original's and the dub's mouths are side by side.`);
    page.stops = fitList(state.fit);
  } else {
    page.tracks = scriptTracks(state.sheet, state.script, page.rate);
    scriptChecks(state);
    page.durationFrames = state.sheet.duration_frames;
    page.version = state.version;
    page.editable = true;
    const list = $("#export-list");
    for (const format of state.exports.formats) {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = format.name;
      box.checked = state.exports.chosen.includes(format.name);
      label.append(box, ` ${format.name} — ${format.description}`);
      list.append(label);
    }
    if (state.saves_as !== "sheet") {
      notice(state.saves_as ? `${state.name} is not a lipsync sheet: saving writes it again as lipsync writes ${state.saves_as} (its mouth tracks only); the previous file is kept as ${state.name}.bak.`
        : `${state.name} cannot be saved in its own format: export the sheet instead (Export on save).`, "warning");
    }
    if (!state.reanimate.available) notice(`Word edges cannot be re-animated: ${state.reanimate.reason}`, "warning");
    adaptPanel(page.tracks, request, showBand);
  }
  if (state.audio.missing) notice(`No audio: ${state.audio.missing}. The timeline plays in silence.`, "warning");
  $("#frames").textContent = String(page.durationFrames);
  const peaks = await request("api/peaks");
  page.duration = Math.max(peaks.duration, secondsAt(page.durationFrames, page.rate));
  const envelope = peaks.peaks.length ? Float32Array.from(peaks.peaks) : new Float32Array(Math.max(2, Math.round(page.duration * 10)));

  page.media = document.createElement("audio");
  page.media.preload = "auto";
  page.media.hidden = true;
  document.body.append(page.media);
  page.regions = RegionsPlugin.create();
  page.ws = WaveSurfer.create({
    container: "#waveform", media: page.media, url: "media", peaks: [envelope], duration: page.duration,
    height: 90, waveColor: "#90a4ae", progressColor: "#546e7a", cursorColor: "#d00", cursorWidth: 2,
    normalize: false, dragToSeek: true, autoScroll: false, autoCenter: false, plugins: [page.regions],
  });
  page.ws.getWrapper().parentElement.tabIndex = -1;  // its scroller: no Tab stop, the lanes' keys scroll it
  page.regions.enableDragSelection({ color: "rgba(255, 215, 0, 0.25)" });
  page.regions.on("region-created", (region) => {
    if (page.region && page.region !== region) page.region.remove();
    page.region = region;
    if (page.loop) page.lanes.loop = { start: region.start, end: region.end };
  });
  page.regions.on("region-updated", (region) => {
    if (page.loop && region === page.region) { page.lanes.loop = { start: region.start, end: region.end }; page.lanes.draw(); }
  });

  page.lanes = new Lanes($("#lanes"), {
    rate: page.rate, shapes: page.shapes, timecodeStart: state.timecode.start, drop: state.timecode.drop,
    rest: state.mode === "fit" ? page.shapes[0].name : state.sheet.preset.rest,
    doubtful: state.script ? state.script.doubtful_word : null,
  });
  page.lanes.tracks = page.tracks;
  page.band = new RhythmoBand($("#rhythmo-view"));
  page.lanes.resize($("#timeline").clientWidth - 12);
  page.ws.on("scroll", viewChanged);
  page.ws.on("zoom", viewChanged);
  page.ws.on("redraw", viewChanged);
  page.ws.on("interaction", () => refresh(true));
  page.media.addEventListener("play", () => { $("#play").textContent = "Pause"; });
  page.media.addEventListener("pause", () => { $("#play").textContent = "Play"; refresh(true); });
  page.media.addEventListener("seeked", () => refresh(true));
  window.addEventListener("resize", () => {
    page.lanes.resize($("#timeline").clientWidth - 12);
    viewChanged();
    if (page.band.band) showBand(page.band.band);
  });

  buildMouths();
  buildPalette();
  buildShortcuts();
  pointerOnLanes($("#lanes"));
  document.addEventListener("keydown", onKey);
  $("#play").addEventListener("click", togglePlay);
  $("#half").addEventListener("click", toggleHalf);
  $("#loop").addEventListener("click", toggleLoop);
  $("#undo").addEventListener("click", undo);
  $("#redo").addEventListener("click", redo);
  $("#save").addEventListener("click", save);
  $("#split").addEventListener("click", splitSelected);
  $("#merge").addEventListener("click", mergeSelected);
  $("#delete").addEventListener("click", deleteSelected);
  $("#reanimate").addEventListener("click", reanimateSelected);
  window.addEventListener("beforeunload", (event) => { if (page.dirty) event.preventDefault(); });
  await new Promise((resolve) => { if (page.ws.getDuration()) resolve(); else page.ws.once("ready", resolve); });
  page.ws.zoom(Math.max(page.lanes.view.width / page.duration, Math.min(120, 4000 / page.duration * 10)));
  viewChanged();
  if (state.mode === "fit" && page.stops.length) goToStop(page.stops[0]);
  if (state.mode === "sheet") {
    page.scriptBand = (await request("api/rhythmo")).band;
    if (page.scriptBand) showBand(page.scriptBand);
  }
  $("#rhythmo-script").addEventListener("click", () => showBand(page.scriptBand));
  refresh(true);
  requestAnimationFrame(tick);
  document.body.dataset.ready = "true";
  window.review = page;  // for scripts and tests driving the page
}

start().catch((error) => notice(`The page could not start: ${error.message}`, "error"));
