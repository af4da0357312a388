// Frames and SMPTE timecode on an exact rate num/den (lipsync.timing, in the browser).

/** The frame clock at `seconds`: frames elapsed, fractional (the rhythmo band scrolls by it). */
export function framesAt(seconds, rate) {
  return seconds * rate.num / rate.den + 1e-6;
}

/** The frame showing `seconds`: floor(seconds * rate), as lipsync.timing.FrameRate.frame_at. */
export function frameAt(seconds, rate) {
  return Math.floor(framesAt(seconds, rate));
}

/** The time at which `frame` starts. */
export function secondsAt(frame, rate) {
  return frame * rate.den / rate.num;
}

const pad = (value) => String(value).padStart(2, "0");

/** The timecode of frame count `frame` (drop-frame when `drop`), as lipsync.timing.format_timecode. */
export function timecode(frame, rate, drop) {
  const nominal = Math.round(rate.num / rate.den);
  if (drop) {
    const dropped = Math.floor(nominal / 15);
    const perTen = nominal * 600 - dropped * 9, perMinute = nominal * 60 - dropped;
    const tens = Math.floor(frame / perTen), rest = frame % perTen;
    let extra = dropped * 9 * tens;
    if (rest > dropped) extra += dropped * Math.floor((rest - dropped) / perMinute);
    frame += extra;
  }
  const ff = frame % nominal, ss = Math.floor(frame / nominal) % 60;
  const mm = Math.floor(frame / (nominal * 60)) % 60, hh = Math.floor(frame / (nominal * 3600));
  return `${pad(hh)}:${pad(mm)}:${pad(ss)}${drop ? ";" : ":"}${pad(ff)}`;
}
