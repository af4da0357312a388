// The adapt panel: type a candidate dub line for one of the sheet's lines and see, from its
// text alone, the fit score and its predicted mouth flaps against the picture's (the server's
// api/adapt, lipsync.fit.adapt). Requests are debounced; only the latest answer is shown.

const SVG = "http://www.w3.org/2000/svg";
const WAIT_MS = 250;

function element(tag, attributes = {}, parent = null) {
  const made = tag === "svg" || tag === "rect" || tag === "polyline" || tag === "polygon" || tag === "line" || tag === "text"
    ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, String(value));
  if (parent) parent.append(made);
  return made;
}

// Both openness rows (one digit per frame, "-" where no mouth is shown) as step lines: the
// picture filled blue, the candidate an orange line, mismatching frames shaded red.
export function drawFlaps(svg, original, candidate) {
  svg.replaceChildren();
  const frames = Math.max(original.length, candidate.length, 1);
  const unit = Math.max(2, Math.min(10, 600 / frames));
  const level = 18, top = 6, base = top + 2 * level;
  svg.setAttribute("viewBox", `0 0 ${frames * unit} ${base + 4}`);
  svg.setAttribute("width", String(frames * unit));
  svg.setAttribute("height", String(base + 4));
  const y = (char) => base - (char === "-" ? 0 : Number(char)) * level;
  for (let i = 0; i < frames; i++) {
    const a = original[i] || "0", b = candidate[i] || "0";
    if (a !== "-" && (a === "0") !== (b === "0")) {
      element("rect", { x: i * unit, y: top, width: unit, height: 2 * level, fill: "#e53935", "fill-opacity": 0.3, class: "mismatch" }, svg);
    }
  }
  const area = [`0,${base}`];
  for (let i = 0; i < original.length; i++) area.push(`${i * unit},${y(original[i])}`, `${(i + 1) * unit},${y(original[i])}`);
  area.push(`${original.length * unit},${base}`);
  element("polygon", { points: area.join(" "), fill: "#90caf9", "fill-opacity": 0.7, stroke: "#1e88e5", class: "original" }, svg);
  const steps = [];
  for (let i = 0; i < candidate.length; i++) steps.push(`${i * unit},${y(candidate[i]) + 1}`, `${(i + 1) * unit},${y(candidate[i]) + 1}`);
  element("polyline", { points: steps.join(" "), fill: "none", stroke: "#ef6c00", "stroke-width": 2, class: "candidate" }, svg);
}

// `tracks`: the page's, their lines numbered as the script numbers them (script.js); `showBand(band)`
// puts a candidate's rhythmo band (api/rhythmo) under the waveform.
export function adaptPanel(tracks, request, showBand) {
  const panel = document.querySelector("#adapt");
  const choice = panel.querySelector("#adapt-line");
  const text = panel.querySelector("#adapt-text");
  const language = panel.querySelector("#adapt-language");
  const result = panel.querySelector("#adapt-result");
  const advice = panel.querySelector("#adapt-advice");
  const svg = panel.querySelector("#adapt-flaps");
  for (const track of tracks) {
    track.lines.forEach((line, index) => {
      const option = element("option", { value: JSON.stringify([track.name, index + 1]) }, choice);
      option.textContent = `${tracks.length > 1 ? `${track.name} · ` : ""}${line.number ?? index + 1}: ${line.text}`;
    });
  }
  if (!choice.options.length) return;  // a sheet without dialogue lines has nothing to adapt
  panel.hidden = false;
  let timer = null, asked = 0;

  async function score() {
    const wanted = ++asked;
    if (!text.value.trim()) { result.textContent = "Type a candidate line."; advice.textContent = ""; svg.replaceChildren(); return; }
    const [track, line] = JSON.parse(choice.value);
    result.textContent = "scoring…";
    try {
      const answer = await request("api/adapt", { track, line, text: text.value, language: language.value.trim() });
      if (wanted !== asked) return;  // a later request is on its way
      result.dataset.score = String(answer.score);
      result.textContent = `score ${answer.score.toFixed(0)} · ${answer.syllables} syllables at ` +
        `${answer.syllables_per_second.toFixed(1)}/s (natural ${answer.natural_syllables_per_second.toFixed(1)}/s) · ` +
        `closures ${answer.closures_picture.filter((c) => c.matched).length}/${answer.closures_picture.length}`;
      result.classList.toggle("flagged", answer.flagged);
      advice.textContent = answer.advice;
      drawFlaps(svg, answer.openness_original, answer.openness_candidate);
    } catch (error) {
      if (wanted !== asked) return;
      delete result.dataset.score;
      result.textContent = error.message;
      result.classList.add("flagged");
      advice.textContent = "";
      svg.replaceChildren();
    }
  }

  panel.querySelector("#adapt-band").addEventListener("click", async () => {
    if (!text.value.trim()) { result.textContent = "Type a candidate line."; return; }
    const [track, line] = JSON.parse(choice.value);
    try {
      const answer = await request("api/rhythmo", { track, line, text: text.value, language: language.value.trim() });
      showBand(answer.band);
    } catch (error) {
      result.textContent = error.message;
      result.classList.add("flagged");
    }
  });

  const later = () => { clearTimeout(timer); timer = setTimeout(score, WAIT_MS); };
  text.addEventListener("input", later);
  language.addEventListener("input", later);
  choice.addEventListener("change", score);
}
