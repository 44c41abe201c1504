import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The pages' building blocks: escaping, the page shell and the chart hand-over. Pages are plain
 * server-rendered HTML; the only script is the chart library (served from node_modules by the
 * service itself, no CDN: orgs run this inside their own network) and pages.js, which reads each
 * chart's data from a JSON block. No inline script, so the default Content-Security-Policy
 * (`script-src 'self'`) holds.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A template literal tag would hide what is escaped; pages call esc() at every interpolation instead. */
const money = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const fmtMoney = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : money.format(n);
export const fmtPercent = (n: number): string => `${n} %`;

export interface ChartSpec {
  /** The canvas's id. */
  id: string;
  type: 'bar' | 'line' | 'scatter';
  labels?: string[];
  datasets: {
    label: string;
    data: (number | { x: number; y: number })[];
    color: string;
    type?: 'line' | 'scatter' | 'bar';
  }[];
  horizontal?: boolean;
  stacked?: boolean;
  /** A 0–100 value axis (probabilities in percent). */
  percent?: boolean;
  /** Axis ranges for the reliability diagram (both 0–1). */
  unitSquare?: boolean;
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no text can close the tag. */
export function jsonBlock(id: string, value: unknown): string {
  const json = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<script type="application/json" id="${esc(id)}">${json}</script>`;
}

export function canvas(spec: ChartSpec, caption: string, height = 280): string {
  return `<figure class="chart"><div class="chart-box" style="height:${height}px"><canvas id="${esc(spec.id)}" role="img" aria-label="${esc(caption)}"></canvas></div><figcaption>${esc(caption)}</figcaption></figure>`;
}

/** How the page's scripts arrive: from the service's /assets, or inlined for a standalone file. */
export type AssetMode = { kind: 'served' } | { kind: 'inline' };

export const CHART_JS_PATH = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

export interface PageShell {
  title: string;
  /** Already-escaped HTML. */
  body: string;
  charts: ChartSpec[];
  assets?: AssetMode;
  nav?: boolean;
}

export function page(shell: PageShell, css: string, script: string): string {
  const inline = shell.assets?.kind === 'inline';
  const head = inline ? `<style>${css}</style>` : '<link rel="stylesheet" href="/assets/pages.css">';
  const scripts = inline
    ? `<script>${readFileSync(CHART_JS_PATH, 'utf8')}</script><script>${script}</script>`
    : '<script src="/assets/chart.umd.min.js"></script><script src="/assets/pages.js"></script>';
  const nav =
    shell.nav === false
      ? ''
      : '<nav><a href="/">Largest gaps</a><a href="/forecast">Forecast review</a></nav>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(shell.title)} · Commitment Scorer</title>
${head}
</head>
<body>
<header><span class="brand">Commitment Scorer</span>${nav}</header>
<main>
${shell.body}
</main>
${jsonBlock('chart-data', shell.charts)}
${scripts}
</body>
</html>
`;
}
