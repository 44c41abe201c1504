import { calibrationLine } from './calibration';
import { describeClosing } from './period';
import type { ForecastReport } from './report';
import { est, leakWarning } from './format-report';
import type { BacktestSideBySide, RulesDiffReport } from './rules-diff';

/** Plain-text and CSV renderings of the forecast and of `rules diff`; the HTML page is in http/pages. */

const money = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const formatMoney = (n: number): string => money.format(n);

function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const cut = (text: string, n: number): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

export function forecastTable(r: ForecastReport): string {
  const out: string[] = [];
  out.push(
    `Forecast ${r.period.label} (${describeClosing(r.period)}), open deals by ${r.by}, as of ${r.asOf.slice(0, 10)}, rules ${r.rulesVersion}`,
  );
  out.push(calibrationLine(r.calibration));
  if (r.unscored > 0) out.push(`${r.unscored} deals could not be scored and are left out (see the log).`);
  out.push('');
  const nums = (t: {
    count: number;
    amount: number;
    stageWeighted: number;
    adjusted: number;
    gap: number;
  }) => [
    String(t.count),
    formatMoney(t.amount),
    formatMoney(t.stageWeighted),
    formatMoney(t.adjusted),
    formatMoney(t.gap),
  ];
  const rows = r.groups.map((g) => [cut(g.label, 40), ...nums(g)]);
  rows.push([r.by === 'flag' ? 'all deals (flag rows overlap)' : 'total', ...nums(r.totals)]);
  out.push(
    table([r.by, 'deals', 'amount', 'stage-weighted', 'adjusted', 'gap'], rows, new Set([1, 2, 3, 4, 5])),
  );
  out.push('');
  out.push(
    r.flagCounts.length === 0
      ? 'Flags: none'
      : `Flags: ${r.flagCounts.map((f) => `${f.code} ${f.count}`).join(', ')}`,
  );
  out.push('');
  out.push('Deals with the largest gap:');
  out.push(
    table(
      ['deal', 'owner', 'stage', 'amount', 'stage %', 'adj. %', 'gap', 'top flag'],
      r.largestGaps.map((d) => [
        cut(d.name ?? d.id, 32),
        cut(d.owner, 20),
        cut(d.stage, 20),
        formatMoney(d.amount),
        String(d.stageProbability),
        String(d.adjustedProbability),
        formatMoney(d.gap),
        d.topFlag ? `${d.topFlag.code}: ${d.topFlag.message}` : '',
      ]),
      new Set([3, 4, 5, 6]),
    ),
  );
  return `${out.join('\n')}\n`;
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per group and a last `total` row; a spreadsheet-ready file. */
export function forecastCsv(r: ForecastReport): string {
  const header = ['period', 'by', 'key', 'label', 'deals', 'amount', 'stage_weighted', 'adjusted', 'gap'];
  const rows = r.groups.map((g) => [
    r.period.label,
    r.by,
    g.key,
    g.label,
    g.count,
    g.amount,
    g.stageWeighted,
    g.adjusted,
    g.gap,
  ]);
  const t = r.totals;
  rows.push([r.period.label, r.by, 'total', 'total', t.count, t.amount, t.stageWeighted, t.adjusted, t.gap]);
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}

export function rulesDiffTable(r: RulesDiffReport & { unscored?: number }): string {
  const out: string[] = [];
  out.push(`Rules diff on ${r.deals} open deals: ${r.before.version} → ${r.after.version}`);
  if (r.unscored) out.push(`${r.unscored} deals could not be scored and are left out (see the log).`);
  out.push('');
  out.push(
    r.flags.length === 0
      ? 'No flag fires under either rulebook.'
      : table(
          ['flag', 'before', 'after', 'gained', 'lost'],
          r.flags.map((f) => [f.code, String(f.before), String(f.after), `+${f.gained}`, `-${f.lost}`]),
          new Set([1, 2, 3, 4]),
        ),
  );
  out.push('');
  const c = r.change;
  out.push(
    `Adjusted probability: ${c.up} up, ${c.down} down, ${c.unchanged} unchanged; mean ${signed(c.mean)} points, median ${signed(c.median)}`,
  );
  out.push(
    table(
      ['change (points)', 'deals'],
      c.bins.map((b) => [b.label, String(b.count)]),
      new Set([1]),
    ),
  );
  out.push('');
  out.push('Deals that move most:');
  out.push(
    r.movers.length === 0
      ? '(none)'
      : table(
          ['deal', 'before %', 'after %', 'change', 'flags gained', 'flags lost'],
          r.movers.map((m) => [
            cut(m.name ?? m.id, 36),
            String(m.before),
            String(m.after),
            signed(m.change),
            m.gained.join(' '),
            m.lost.join(' '),
          ]),
          new Set([1, 2, 3]),
        ),
  );
  out.push('');
  out.push(...backtestLines(r.backtest));
  return `${out.join('\n')}\n`;
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

function backtestLines(b: BacktestSideBySide | null): string[] {
  if (b === null) return ['Backtest side by side: not run.'];
  if (b.status === 'not run') return [`Backtest side by side: ${b.reason}.`];
  const lines = [
    `Backtest side by side: ${b.deals} closed deals from ${b.from} to ${b.to} (${b.won} won, ${b.lost} lost), as they were ${b.horizonDays} days before their close; 95 % intervals from a paired bootstrap`,
  ];
  const rows = [
    { ...b.stage, label: b.stage.name },
    { ...b.before, label: `${b.before.name} (old)` },
    { ...b.after, label: `${b.after.name} (new)` },
  ];
  lines.push(
    table(
      ['', 'Brier', 'log loss', 'AUC', 'slope', 'ECE'],
      rows.map((m) => [m.label, est(m.brier), est(m.logLoss), est(m.auc), est(m.slope, 2), est(m.ece)]),
      new Set(),
    ),
  );
  lines.push(`new − old, Brier: ${est(b.brierDelta)}; below 0 the new rulebook forecasts better`);
  const warning = leakWarning(b);
  if (warning) lines.push(warning);
  return lines;
}
