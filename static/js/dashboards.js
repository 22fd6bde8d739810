// Draws each dashboard chart from the JSON the page embeds beside its table (no inline scripts: CSP).
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: { animation: false, responsive: true, maintainAspectRatio: false },
    });
    canvas.dataset.drawn = String(spec.datasets.reduce((n, d) => n + d.data.length, 0));
  });
});
