/**
 * Backtest and calibration reports as text for a person (table), JSON for a program, or CSV for a
 * spreadsheet. Pure: report in, string out.
 */
import type { BacktestReport, HorizonReport } from './backtest';
import type { Estimate, ForecastMetrics } from './bootstrap';
import type { CalibrationResult } from './calibrate';
import type { ReliabilityBin } from './metrics';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

const num = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');
export const est = (e: Estimate, digits = 3): string =>
  `${num(e.value, digits)} (${num(e.low, digits)}–${num(e.high, digits)})`;
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);

export function leakWarning(report: { leaking: number; untracked: string[] }): string | undefined {
  if (report.leaking === 0) return undefined;
  return (
    `warning: ${report.leaking} deal${report.leaking === 1 ? '' : 's'} read ${report.untracked.join(', ')} as ${report.leaking === 1 ? 'it is' : 'they are'} now: ` +
    `the org keeps no field history for ${report.untracked.length === 1 ? 'that input' : 'those inputs'}, so a value entered after the horizon day ` +
    `counts as known before it and can flatter the rulebook. Turn on field history tracking for them (the manifests do).`
  );
}

/** The column heads over `metricsRow`'s rows. */
function metricsHeader(width: number): string {
  return [
    ''.padEnd(width),
    'Brier'.padEnd(22),
    'log loss'.padEnd(22),
    'AUC'.padEnd(22),
    'ECE'.padEnd(22),
    'slope'.padEnd(18),
    'mean',
  ].join(' ');
}

function metricsRow(name: string, m: ForecastMetrics, width: number): string {
  return [
    name.padEnd(width),
    est(m.brier).padEnd(22),
    est(m.logLoss).padEnd(22),
    est(m.auc).padEnd(22),
    est(m.ece).padEnd(22),
    est(m.slope, 2).padEnd(18),
    pct(m.meanPredicted),
  ].join(' ');
}

function reliabilityTable(name: string, bins: ReliabilityBin[]): string[] {
  const lines = [`  reliability of ${name}:`, '    predicted   deals   mean predicted   won'];
  for (const b of bins) {
    const range = `${Math.round(b.from * 100)}–${Math.round(b.to * 100)} %`;
    lines.push(
      `    ${range.padEnd(11)} ${String(b.count).padStart(5)}   ${pct(b.meanPredicted).padStart(14)}   ${pct(b.observed).padStart(7)}`,
    );
  }
  return lines;
}

function horizonTable(h: HorizonReport): string[] {
  const rate = h.deals === 0 ? '–' : pct(h.won / h.deals);
  const skipped = h.notYetCreated + h.noOpenStage;
  const lines = [
    `${h.horizonDays} days before the close: ${h.deals} deals (${h.won} won, ${h.lost} lost, win rate ${rate})` +
      (skipped > 0
        ? `; ${skipped} left out (${h.notYetCreated} not yet created, ${h.noOpenStage} with no open stage then)`
        : ''),
  ];
  if (h.forecasts.length === 0) return lines;
  const width = Math.max(...h.forecasts.map((f) => f.name.length));
  lines.push(metricsHeader(width));
  for (const f of h.forecasts) lines.push(metricsRow(f.name, f.metrics, width));
  for (const f of h.forecasts.slice(1))
    lines.push(
      `  ${f.name} vs stage probability: Brier ${est(f.metrics.brierDelta)}, skill ${est(f.metrics.brierSkill)}`,
    );
  for (const f of h.forecasts) lines.push(...reliabilityTable(f.name, f.reliability));
  return lines;
}

export function formatBacktest(report: BacktestReport, format: Format): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'csv') return backtestCsv(report);
  const lines = [
    `Backtest of ${report.deals} closed deals (${report.from ?? '–'} to ${report.to ?? '–'}); 95 % intervals from a paired bootstrap`,
    '',
  ];
  for (const h of report.horizons) lines.push(...horizonTable(h), '');
  const warning = leakWarning(report);
  if (warning) lines.push(warning);
  return `${lines.join('\n')}\n`;
}

const CSV_METRICS = ['brier', 'logLoss', 'auc', 'ece', 'slope', 'brierSkill', 'brierDelta'] as const;

/** One row per horizon, forecast and metric: easy to pivot. Reliability bins are rows too. */
function backtestCsv(report: BacktestReport): string {
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = ['horizon_days,forecast,metric,value,low,high,deals'];
  for (const h of report.horizons)
    for (const f of h.forecasts) {
      for (const m of CSV_METRICS) {
        const e = f.metrics[m];
        rows.push([h.horizonDays, quote(f.name), m, e.value, e.low, e.high, h.deals].join(','));
      }
      rows.push(
        [h.horizonDays, quote(f.name), 'meanPredicted', f.metrics.meanPredicted, '', '', h.deals].join(','),
      );
      for (const b of f.reliability)
        rows.push(
          [
            h.horizonDays,
            quote(f.name),
            `observed_${Math.round(b.from * 100)}_${Math.round(b.to * 100)}`,
            b.observed ?? '',
            '',
            '',
            b.count,
          ].join(','),
        );
    }
  return `${rows.join('\n')}\n`;
}

export function formatCalibration(r: CalibrationResult, out: string): string {
  const width = Math.max(...Object.keys(r.metrics).map((k) => k.length));
  const weight = (name: string, before: number, after: number): string =>
    `  ${name.padEnd(28)} ${num(before, 2).padStart(6)} → ${num(after, 2).padStart(6)}`;
  const lines = [
    `Calibrated on ${r.deals} closed deals from ${r.from} to ${r.to} (${r.won} won, ${r.lost} lost), as they were ${r.horizonDays} days before their close.`,
    `Fitted on the oldest ${r.train} (closed up to ${r.trainedUntil}); judged on the newest ${r.heldOut}.`,
    '',
    'Fitted numbers (base → proposed):',
    weight('alpha', r.alpha.before, r.alpha.after),
    weight('beta', r.beta.before, r.beta.after),
    weight('commitmentWeight', r.commitmentWeight.before, r.commitmentWeight.after),
    ...r.flags.map((f) => weight(f.code, f.before, f.after)),
    r.capsDropped.length === 0
      ? 'Caps: none in the base rulebook.'
      : `Caps dropped (the fit cannot see a hard ceiling, and it would undo the calibration): ${r.capsDropped.map((c) => `${c.code} ${c.cap} %`).join(', ')}.`,
    '',
    `Held-out deals (${r.heldOut}), 95 % intervals from a paired bootstrap:`,
    metricsHeader(width),
    ...Object.entries(r.metrics).map(([name, m]) => metricsRow(name, m, width)),
    `  proposed − active rulebook, Brier: ${est(r.versusBase)}`,
    `  proposed − recalibrated stage, Brier: ${est(r.versusRecalibratedStage)}`,
    '',
    `Verdict: ${r.verdict}. ${r.reason}`,
    `Proposed rulebook written to ${out}; check it with \`commitment-scorer rules check ${out}\`.`,
  ];
  return `${lines.join('\n')}\n`;
}
