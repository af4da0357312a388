// The rhythmo band under the waveform: the dub's words written where they must be spoken,
// scrolling right to left past a fixed reading line with the audio clock. What is on it (words
// in frames, the dub's m/b/p closures, the picture's closures, lanes) is the server's band data
// (api/rhythmo, made by lipsync.rhythmo as for the band video); this module only lays it out.

const LANE_PX = 54;
const RULER_PX = 12;
const BAND_SECONDS = 3;   // seconds across the band's width, as `lipsync preview --band-seconds`
const TEXT_PAD_PX = 2;    // the text's left padding (review.css)
const READING_LINE_PX = 3;  // the reading line's width (review.css): centred on the band's now

function box(className, style, parent, text = null) {
  const made = document.createElement("div");
  made.className = className;
  Object.assign(made.style, style);
  if (text !== null) made.textContent = text;
  parent.append(made);
  return made;
}

export class RhythmoBand {
  /** The band drawn in `view` (an empty element); `show(band)` puts a band on it. */
  constructor(view) {
    this.view = view;
    this.band = null;
    this.pxPerFrame = 0;
    this.readingX = 0;
    this.position = null;
  }

  /** Lay out `band` (api/rhythmo's data) for the view's width. */
  show(band) {
    this.band = band;
    this.view.replaceChildren();
    const width = this.view.clientWidth;
    const fps = band.rate.num / band.rate.den;
    this.pxPerFrame = Math.max(2, Math.floor(width / (BAND_SECONDS * fps)));
    this.readingX = Math.round(width * band.reading_line);
    const ppf = this.pxPerFrame, nominal = Math.round(fps);
    this.view.style.height = `${RULER_PX + LANE_PX * Math.max(1, band.lanes.length)}px`;
    const strip = box("strip", { width: `${band.frames * ppf}px` }, this.view);
    box("ruler", { height: `${RULER_PX}px`, backgroundImage:
      `repeating-linear-gradient(to right, #787264 0 2px, transparent 2px ${nominal * ppf}px),` +
      `repeating-linear-gradient(to right, #a09a8c 0 1px, transparent 1px ${ppf}px)` }, strip);
    band.lanes.forEach((_, lane) => {
      if (lane) box("lane-line", { top: `${RULER_PX + lane * LANE_PX}px` }, strip);
    });
    for (const mark of band.marks) {
      box(`mark ${mark.kind}`, { left: `${mark.frame * ppf}px`, width: `${Math.max(1, (mark.end - mark.frame) * ppf - 1)}px`,
        top: `${RULER_PX + mark.lane * LANE_PX + (mark.kind === "picture" ? 3 : Math.round(LANE_PX * 0.78))}px` }, strip);
    }
    const texts = [];
    for (const word of band.words) {
      const span = (word.end - word.frame) * ppf;
      const element = box("word", { left: `${word.frame * ppf}px`, width: `${span}px`,
        top: `${RULER_PX + word.lane * LANE_PX + Math.round(LANE_PX * 0.16)}px` }, strip);
      element.dataset.frame = String(word.frame);
      element.dataset.end = String(word.end);
      texts.push([box("text", {}, element, word.text), span - Math.max(2, Math.min(6, ppf >> 1))]);
    }
    // the letters fill the word's frames: squeezed when it is said fast, stretched up to twice
    // their width when slow (measured on a canvas in the text's font: no page layout per word)
    const measure = document.createElement("canvas").getContext("2d");
    measure.font = texts.length ? getComputedStyle(texts[0][0]).font : "";
    for (const [text, room] of texts) {
      const natural = Math.max(1, measure.measureText(text.textContent).width + TEXT_PAD_PX);
      text.style.transform = `scaleX(${Math.min(2, Math.max(1, room) / natural)})`;
    }
    band.lanes.forEach((name, lane) => box("lane-name", { top: `${RULER_PX + lane * LANE_PX + 2}px` }, this.view, name));
    box("reading-line", { left: `${this.readingX - READING_LINE_PX / 2}px` }, this.view);
    this.strip = strip;
    this.position = null;
  }

  /** Scroll the band to `frames` (a fractional frame count: the audio clock at the band's rate).
   * On whole pixels, rounded up: a word reaches the reading line on its first frame, not before. */
  draw(frames) {
    if (!this.band || frames === this.position) return;
    this.position = frames;
    this.strip.style.transform = `translateX(${Math.ceil(this.readingX - frames * this.pxPerFrame)}px)`;
  }
}
