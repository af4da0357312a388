// What became of the script's lines, on the page: each dialogue line numbered as the script
// numbers it with its status (the sheet's `script` block, tied to the tracks by the server's
// `script` state: lipsync/review/script.py), the lines not found where they were searched, the
// stretches recognized without the script, and the list of the lines to check.

import { frameAt } from "./timecode.js";

const TO_CHECK = new Set(["uncertain", "not found"]);

/** Whether the script line `entry` (of the sheet's `script` block) is spoken by `track`. */
function spokenBy(entry, track, sheet) {
  return entry.track === track.name || (entry.track === null && track === sheet.tracks[0]);
}

/** The stretch `entry` was aligned to or searched in, on the frame grid. */
function span(entry, rate) {
  const frame = frameAt(entry.start, rate);
  return { frame, length: Math.max(1, frameAt(entry.end, rate) - frame) };
}

/** The sheet's tracks as the page draws them: dialogue lines with their script `number`,
 * `status` and `confidence`; `missing`, the lines not found, where they were searched;
 * `unscripted`, the [start, end] seconds recognized without the script. */
export function scriptTracks(sheet, script, rate) {
  const entries = sheet.script || [];
  const byIndex = new Map(entries.map((entry) => [entry.index, entry]));
  return sheet.tracks.map((track, position) => {
    const known = script ? script.tracks[position] : { lines: [], unscripted: [] };
    const lines = track.lines.map((line, i) => {
      const entry = byIndex.get(known.lines[i]);
      return entry ? { ...line, number: entry.line, status: entry.status, confidence: entry.confidence } : line;
    });
    const missing = entries.filter((entry) => entry.status === "not found" && entry.start !== null && spokenBy(entry, track, sheet))
      .map((entry) => ({ ...span(entry, rate), text: entry.text, number: entry.line, status: entry.status }));
    return { ...track, lines, missing, unscripted: known.unscripted, marks: [] };
  });
}

/** A dialogue line in words: its script number and status before its text (only its text when
 * the sheet has no script block). */
export function describe(line) {
  if (line.number === undefined) return line.text;
  const status = statusText(line.status, line.confidence);
  return `line ${line.number}${status ? `, ${status}` : ""}: ${line.text}`;
}

/** A line's status in words ("uncertain (confidence 0.18)", "not found"); "" when aligned. */
function statusText(status, confidence) {
  if (status === "uncertain") return `uncertain (confidence ${confidence.toFixed(2)})`;
  return status === "aligned" ? "" : status;
}

/** Whether one of the [start, end] `stretches` (seconds) overlaps `start`-`end`. */
export function overlaps(stretches, start, end) {
  return stretches.some(([from, to]) => from < end && to > start);
}

/** What the list says of a line to check: where it is, and what the mouth there comes from. */
function whereText(entry, track) {
  if (entry.start === null) return "not searched anywhere in the recording";
  const stretch = `${entry.start.toFixed(2)}–${entry.end.toFixed(2)} s`;
  if (entry.status === "uncertain") return `aligned at ${stretch}: check it`;
  const heard = track && overlaps(track.unscripted, entry.start, entry.end)
    ? "recognized without the script there" : "no speech recognized there";
  return `searched at ${stretch}; ${heard}`;
}

/** Fill the list of the script lines to check (uncertain or not found, in script order) and
 * show it; `choose(stop)` goes to one. Returns the lines that have a stretch, as stops
 * ({frame, length, item}) in time order, for N and P; none when every line aligned. */
export function checkList(list, sheet, tracks, rate, choose) {
  const entries = (sheet.script || []).filter((entry) => TO_CHECK.has(entry.status));
  const stops = [];
  for (const entry of entries) {
    const track = tracks.find((t) => spokenBy(entry, t, sheet));
    const item = document.createElement("li");
    item.className = entry.status.replace(" ", "-");
    item.dataset.line = String(entry.line);
    const text = `Line ${entry.line} · ${statusText(entry.status, entry.confidence)} · ${whereText(entry, track)} · “${entry.text}”`;
    if (entry.start === null) {
      item.textContent = text;
    } else {
      const stop = { ...span(entry, rate), item };
      const button = document.createElement("button");
      button.textContent = text;
      button.addEventListener("click", () => choose(stop));
      item.append(button);
      stops.push(stop);
    }
    list.append(item);
  }
  return stops.sort((a, b) => a.frame - b.frame);
}
