/**
 * The pages' stylesheet and chart script, kept as text so the build needs no copy step; served at
 * /assets/pages.css and /assets/pages.js, or inlined into a standalone HTML file.
 */

export const PAGES_CSS = `
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --card:#fff; --stage:#9aa5b1; --adj:#2f6fde; --yes:#1f9d55; --act:#d9822b; --bad:#c0392b; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:var(--ink); background:var(--bg); }
header { display:flex; gap:24px; align-items:center; padding:12px 28px; background:#102a43; color:#fff; }
header .brand { font-weight:600; letter-spacing:.02em; }
header nav a { color:#d9e2ec; text-decoration:none; margin-right:18px; }
header nav a:hover { color:#fff; }
main { max-width:1180px; margin:0 auto; padding:20px 28px 48px; }
h1 { font-size:24px; margin:8px 0 4px; }
h2 { font-size:17px; margin:28px 0 10px; }
p.lead { color:var(--muted); margin:0 0 14px; }
.cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(170px, 1fr)); gap:12px; margin:14px 0; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.card .k { color:var(--muted); font-size:13px; }
.card .v { font-size:22px; font-weight:600; margin-top:2px; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
@media (max-width: 900px) { .grid2 { grid-template-columns:1fr; } }
figure.chart { margin:0; background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px; }
.chart-box { position:relative; width:100%; }
figcaption { color:var(--muted); font-size:13px; margin-top:6px; }
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); border-radius:8px; overflow:hidden; }
th, td { text-align:left; padding:7px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f0f4f8; font-weight:600; font-size:13px; color:#334e68; }
td.n, th.n { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
tr:last-child td { border-bottom:none; }
td.deal { min-width:190px; }
tr.total td { font-weight:600; background:#f8fafc; }
a { color:#1d4ed8; }
.note { background:#fffbea; border:1px solid #f0e0a0; border-radius:8px; padding:10px 14px; color:#5c4a00; }
.calib { color:var(--muted); font-size:14px; }
.flag { display:inline-block; font-size:12px; font-weight:600; padding:1px 7px; border-radius:10px; background:#eef2ff; color:#3730a3; }
.sev-critical { background:#fde8e8; color:#9b1c1c; }
.sev-warning { background:#fdf6b2; color:#723b13; }
.sev-info { background:#e1effe; color:#1e429f; }
ul.check { list-style:none; padding:0; margin:0; background:var(--card); border:1px solid var(--line); border-radius:8px; }
ul.check li { padding:9px 12px; border-bottom:1px solid var(--line); }
ul.check li:last-child { border-bottom:none; }
.ok::before { content:"✔ "; color:var(--yes); font-weight:700; }
.no::before { content:"✘ "; color:var(--bad); font-weight:700; }
.state-done { color:var(--yes); font-weight:600; }
.state-overdue { color:var(--bad); font-weight:600; }
.state-open { color:var(--muted); }
.state-declined { color:var(--bad); }
form.filters { display:flex; gap:10px; align-items:center; margin:8px 0 4px; }
form.filters input, form.filters select { padding:4px 8px; border:1px solid var(--line); border-radius:6px; font:inherit; }
form.filters button { padding:4px 12px; border:1px solid #1d4ed8; background:#1d4ed8; color:#fff; border-radius:6px; font:inherit; cursor:pointer; }
`;

/** Draws every chart the page lists in its #chart-data block. */
export const PAGES_JS = `
(function () {
  var block = document.getElementById('chart-data');
  if (!block || typeof Chart === 'undefined') return;
  var specs = JSON.parse(block.textContent || '[]');
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  Chart.defaults.animation = false;
  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (!el) return;
    var datasets = spec.datasets.map(function (d) {
      var out = { label: d.label, data: d.data, backgroundColor: d.color, borderColor: d.color };
      if (d.type) out.type = d.type;
      if (d.type === 'line') { out.fill = false; out.pointRadius = 0; out.borderDash = [6, 4]; out.borderWidth = 1.5; }
      if (d.type === 'scatter') { out.pointRadius = 5; out.showLine = true; }
      return out;
    });
    var options = { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' } } };
    if (spec.horizontal) options.indexAxis = 'y';
    if (spec.stacked) options.scales = { x: { stacked: true }, y: { stacked: true } };
    if (spec.percent) options.scales = { [spec.horizontal ? 'x' : 'y']: { min: 0, max: 100 } };
    if (spec.unitSquare) options.scales = {
      x: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'mean predicted probability' } },
      y: { min: 0, max: 1, title: { display: true, text: 'observed win rate' } }
    };
    el.chart = new Chart(el, { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options });
    el.setAttribute('data-drawn', 'true');
  });
})();
`;
