// Cue edits as pure functions: each takes a track's cues (contiguous {frame, length, shape})
// and returns new cues, never changing its input; every cue it changes is marked edited.
// History keeps whole snapshots of the tracks an edit touched, for undo and redo.

const edited = (cue, changes) => ({ ...cue, ...changes, edited: true });

/** The index of the cue showing `frame` (binary search), or -1. */
export function cueAt(cues, frame) {
  let low = 0, high = cues.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const cue = cues[mid];
    if (frame < cue.frame) high = mid - 1;
    else if (frame >= cue.frame + cue.length) low = mid + 1;
    else return mid;
  }
  return -1;
}

/** Move the boundary between cue `index - 1` and cue `index` to `frame` (each keeps a frame). */
export function moveBoundary(cues, index, frame) {
  if (index <= 0 || index >= cues.length) return cues;
  const before = cues[index - 1], cue = cues[index];
  const end = cue.frame + cue.length;
  const at = Math.max(before.frame + 1, Math.min(end - 1, Math.round(frame)));
  if (at === cue.frame) return cues;
  const result = cues.slice();
  result[index - 1] = edited(before, { length: at - before.frame });
  result[index] = edited(cue, { frame: at, length: end - at });
  return result;
}

/** Set the shape of cue `index`. */
export function setShape(cues, index, shape) {
  if (!cues[index] || cues[index].shape === shape) return cues;
  const result = cues.slice();
  result[index] = edited(cues[index], { shape });
  return result;
}

/** Split cue `index` in two at `frame` (both keep its shape). */
export function split(cues, index, frame) {
  const cue = cues[index];
  if (!cue || frame <= cue.frame || frame >= cue.frame + cue.length) return cues;
  const first = edited(cue, { length: frame - cue.frame });
  const second = edited(cue, { frame, length: cue.frame + cue.length - frame });
  return [...cues.slice(0, index), first, second, ...cues.slice(index + 1)];
}

/** Merge cue `index` with the next one (the merged cue keeps cue `index`'s shape). */
export function mergeNext(cues, index) {
  if (index < 0 || index + 1 >= cues.length) return cues;
  const cue = cues[index], next = cues[index + 1];
  const merged = edited(cue, { length: cue.length + next.length });
  return [...cues.slice(0, index), merged, ...cues.slice(index + 2)];
}

/** Delete cue `index`: its frames go to the cue before it (to the next for the first cue). */
export function remove(cues, index) {
  if (cues.length < 2 || !cues[index]) return cues;
  if (index === 0) {
    const next = cues[1];
    return [edited(next, { frame: 0, length: cues[0].length + next.length }), ...cues.slice(2)];
  }
  return mergeNext(cues, index - 1);
}

/** Undo and redo over snapshots of the tracks' editable parts. */
export class History {
  constructor() { this.done = []; this.undone = []; }
  /** Remember `before` (the state an edit replaced). */
  push(before) { this.done.push(before); this.undone = []; }
  /** The state to go back to, given the `current` one (kept for redo), or null. */
  undo(current) {
    if (!this.done.length) return null;
    this.undone.push(current);
    return this.done.pop();
  }
  redo(current) {
    if (!this.undone.length) return null;
    this.done.push(current);
    return this.undone.pop();
  }
}
