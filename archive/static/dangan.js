// Small progressive enhancements; every page works without JavaScript.
// Kept in a file (no inline script) so the Content-Security-Policy can forbid inline code.
// A form (or the button that submitted it) may ask first: data-confirm holds the translated question.
document.addEventListener("submit", (event) => {
  const button = event.submitter && event.submitter.closest("[data-confirm]");
  const form = event.target.closest("form[data-confirm]");
  const question = button ? button.dataset.confirm : form ? form.dataset.confirm : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Ingest job page: follow the job live (pages done, step, rate, time left) until it ends.
(() => {
  const box = document.getElementById("progress");
  if (!box) return;
  const bar = box.querySelector(".bar");
  const paint = (done, total) => { bar.style.width = total ? (100 * done / total).toFixed(1) + "%" : "0%"; };
  paint(+bar.dataset.done, +bar.dataset.total);
  if (box.dataset.finished === "true") return;
  const set = (id, value) => { const el = box.querySelector(`[data-testid=${id}]`); if (el) el.textContent = value; };
  const tick = async () => {
    try {
      const r = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
      if (r.ok) {
        const s = await r.json();
        set("pages-done", s.pages_done); set("pages-total", s.pages_total); set("files-done", s.files_done);
        set("job-step", s.step); set("rate", s.rate);
        set("time-left", s.seconds_left === null ? "—" : `${s.seconds_left} s`);
        paint(s.pages_done, s.pages_total);
        if (s.finished) { window.location.reload(); return; }
      }
    } catch (e) { /* network hiccup: try again */ }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
})();

// Page viewer: zoom, rotate for viewing (the stored image is never changed), jump, highlight words.
(() => {
  const canvas = document.querySelector(".viewer .canvas");
  if (!canvas) return;
  let scale = 1, angle = 0;
  const apply = () => { canvas.style.transform = `rotate(${angle}deg) scale(${scale})`; };
  document.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
    scale = Math.min(4, Math.max(0.3, scale * parseFloat(b.dataset.zoom))); apply();
  }));
  document.querySelectorAll("[data-rotate]").forEach((b) => b.addEventListener("click", () => {
    angle = (angle + parseInt(b.dataset.rotate, 10)) % 360; canvas.dataset.angle = angle; apply();
  }));
  const jump = document.querySelector("[data-jump]");
  if (jump) jump.addEventListener("change", () => { if (jump.value) window.location.href = jump.value; });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, select, textarea")) return;
    const link = document.querySelector(e.key === "ArrowLeft" ? "[data-testid=prev]" : e.key === "ArrowRight" ? "[data-testid=next]" : null);
    if (link) link.click();
  });
  const boxes = canvas.querySelector(".boxes");
  const query = (boxes.dataset.highlight || "").trim();
  const words = JSON.parse(boxes.dataset.words || "[]");
  const w = +canvas.dataset.width, h = +canvas.dataset.height;
  // Words the engine was unsure of get a dashed outline, so the archivist knows where to look.
  const doubt = +(boxes.dataset.doubt || 0);
  words.forEach((x) => {
    if (!(x[1] < doubt)) return;
    const d = document.createElement("div");
    d.className = "doubt"; d.dataset.testid = "doubt";
    d.style.left = `${100 * x[2] / w}%`; d.style.top = `${100 * x[3] / h}%`;
    d.style.width = `${100 * x[4] / w}%`; d.style.height = `${100 * x[5] / h}%`;
    boxes.appendChild(d);
  });
  if (!query) return;
  // A term may span several OCR words (CJK runs): mark every word that is part of a match.
  const joined = words.map((x) => x[0]).join("");
  const starts = []; let pos = 0; words.forEach((x) => { starts.push(pos); pos += x[0].length; });
  const terms = query.replace(/["“”]/g, " ").split(/\s+/).filter(Boolean);
  const marked = new Set();
  terms.forEach((t) => {
    let i = joined.indexOf(t);
    while (i >= 0) {
      words.forEach((x, k) => { if (starts[k] < i + t.length && starts[k] + x[0].length > i) marked.add(k); });
      i = joined.indexOf(t, i + 1);
    }
  });
  marked.forEach((k) => {
    const [, , left, top, width, height] = words[k];
    const d = document.createElement("div");
    d.className = "hit"; d.dataset.testid = "hit";
    d.style.left = `${100 * left / w}%`; d.style.top = `${100 * top / h}%`;
    d.style.width = `${100 * width / w}%`; d.style.height = `${100 * height / h}%`;
    boxes.appendChild(d);
  });
})();
