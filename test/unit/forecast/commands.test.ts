import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  backtestCommand,
  calibrateCommand,
  parseHorizons,
  type CommandDeps,
} from '../../../src/forecast/commands';
import { exitCodeFor, type ScorerError } from '../../../src/lib/errors';
import { calibrationLine } from '../../../src/rules/calibration-line';
import { DEFAULT_RULEBOOK_FILE, loadRulebookFile } from '../../../src/rules/load-rulebook';
import { generateOrg } from '../../../src/sandbox/generator';
import { closedSnapshots } from '../../../src/sandbox/closed-snapshots';
import { reliabilityOf } from '../../../src/forecast/calibration';

const NOW = Date.parse('2026-11-15T12:00:00Z');
let dir: string;
let out: string[];
let err: string[];

function deps(extra: Partial<CommandDeps> = {}): CommandDeps {
  return {
    connect: () => Promise.reject(new Error('no org in this test')),
    now: () => NOW,
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    activeRulesFile: DEFAULT_RULEBOOK_FILE,
    ...extra,
  };
}

function writeJsonl(name: string, lines: unknown[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  return file;
}

const snapshots = (deals: number, effect = 1.5) =>
  closedSnapshots(generateOrg({ deals, seed: 4, now: NOW, plantedEffect: effect, closedShare: 1 }));

async function failure(p: Promise<unknown>): Promise<ScorerError> {
  try {
    await p;
  } catch (e) {
    return e as ScorerError;
  }
  throw new Error('expected a failure');
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'forecast-cmd-'));
  out = [];
  err = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const backtestFlags = (over: Record<string, unknown> = {}) => ({
  horizon: '30,60,90',
  rules: [] as string[],
  format: 'table',
  ...over,
});

describe('backtest and calibrate inputs', () => {
  it('names an unknown horizon', () => {
    expect(() => parseHorizons('30,sixty')).toThrow('--horizon: "sixty" is not a horizon');
    expect(() => parseHorizons('30,400')).toThrow('"400" is not a horizon; give whole days from 0 to 365');
    expect(parseHorizons('90, 30,30')).toEqual([90, 30]);
  });

  it('names an unknown format, a missing or doubled source and a bad date', async () => {
    const file = writeJsonl('a.jsonl', snapshots(10));
    expect(
      (await failure(backtestCommand(backtestFlags({ snapshots: file, format: 'xml' }), deps()))).message,
    ).toMatch('--format: "xml" is not a format; use table, json, csv');
    expect((await failure(backtestCommand(backtestFlags(), deps()))).message).toMatch('--from D --to D');
    expect(
      (
        await failure(
          backtestCommand(backtestFlags({ snapshots: file, from: '2026-01-01', to: '2026-02-01' }), deps()),
        )
      ).message,
    ).toMatch('not both');
    expect(
      (await failure(backtestCommand(backtestFlags({ from: '2026-13-01', to: '2026-02-01' }), deps())))
        .message,
    ).toMatch('--from: "2026-13-01" is not a date');
    expect((await failure(backtestCommand(backtestFlags({ from: '2026-03-01' }), deps()))).message).toMatch(
      '--to is missing',
    );
  });

  it('names the line and the path of a JSONL line that is not a closed deal', async () => {
    const [deal] = snapshots(10);
    const open = {
      ...deal,
      opportunity: { ...(deal.opportunity as object), StageName: 'Negotiation/Review', IsClosed: false },
    };
    const file = writeJsonl('bad.jsonl', [deal, '', open]);
    const e = await failure(backtestCommand(backtestFlags({ snapshots: file }), deps()));
    expect(e.code).toBe('SNAPSHOT_INVALID');
    expect(e.message).toMatch(`${file}:3: opportunity.StageName: "Negotiation/Review" is not a closed stage`);
    const broken = writeJsonl('broken.jsonl', [deal, '{"opportunity": ']);
    expect((await failure(backtestCommand(backtestFlags({ snapshots: broken }), deps()))).message).toMatch(
      `${broken}:2: not JSON`,
    );
    const wrongType = writeJsonl('type.jsonl', [{ ...deal, tasks: [{ CreatedDate: 'yesterday' }] }]);
    expect((await failure(backtestCommand(backtestFlags({ snapshots: wrongType }), deps()))).message).toMatch(
      `${wrongType}:1: Invalid deal snapshot: tasks[0].CreatedDate`,
    );
  });

  it('says so when the file or the range holds no deals', async () => {
    const empty = writeJsonl('empty.jsonl', ['']);
    const e = await failure(backtestCommand(backtestFlags({ snapshots: empty }), deps()));
    expect([e.code, e.message]).toEqual(['HISTORY_EMPTY', `${empty} holds no closed deals`]);
    expect(exitCodeFor(e)).toBe(1);
  });

  it('refuses an --out that is the active rulebook, the base, or an existing file', async () => {
    const file = writeJsonl('a.jsonl', snapshots(10));
    const active = path.join(dir, 'active.yaml');
    writeFileSync(active, readFileSync(DEFAULT_RULEBOOK_FILE));
    const flags = { snapshots: file, horizon: '30' };
    const e1 = await failure(calibrateCommand({ ...flags, out: active }, deps({ activeRulesFile: active })));
    expect(e1.message).toMatch(`--out ${active} is the active rulebook`);
    // The same file by another path is still the same file.
    const viaDots = path.join(dir, '..', path.basename(dir), 'active.yaml');
    expect(
      (await failure(calibrateCommand({ ...flags, out: viaDots }, deps({ activeRulesFile: active }))))
        .message,
    ).toMatch('is the active rulebook');
    const base = path.join(dir, 'base.yaml');
    writeFileSync(base, readFileSync(DEFAULT_RULEBOOK_FILE));
    expect((await failure(calibrateCommand({ ...flags, rules: base, out: base }, deps()))).message).toMatch(
      'is the base rulebook',
    );
    expect((await failure(calibrateCommand({ ...flags, out: file }, deps()))).message).toMatch(
      'already exists',
    );
    expect(
      (await failure(calibrateCommand({ ...flags, horizon: '30,60', out: path.join(dir, 'x.yaml') }, deps())))
        .message,
    ).toMatch('one horizon at a time');
  });

  it('below 30 won or 30 lost: exit 1 with the counts and what rules-only mode does', async () => {
    const file = writeJsonl('few.jsonl', snapshots(80));
    const target = path.join(dir, 'new.yaml');
    const e = await failure(calibrateCommand({ snapshots: file, horizon: '30', out: target }, deps()));
    expect(e.code).toBe('HISTORY_TOO_SMALL');
    expect(e.message).toMatch(
      /at least 30 won and 30 lost deals 30 days before their close; there are \d+ won and \d+ lost/,
    );
    expect(e.fix).toMatch('rules only');
    expect(exitCodeFor(e)).toBe(1);
    expect(() => readFileSync(target)).toThrow();
  });
});

describe('backtest', () => {
  it('prints per horizon the metrics with intervals and the reliability table', async () => {
    const file = writeJsonl('deals.jsonl', snapshots(300));
    await backtestCommand(backtestFlags({ snapshots: file }), deps());
    const text = out.join('');
    for (const h of [30, 60, 90])
      expect(text).toMatch(new RegExp(`^${h} days before the close: \\d+ deals`, 'm'));
    expect(text).toMatch(/^stage probability\s+0\.\d{3} \(0\.\d{3}–0\.\d{3}\)/m);
    expect(text).toMatch(/adjusted default@[0-9a-f]{8} vs stage probability: Brier -?\d/);
    expect(text).toMatch(/reliability of stage probability:/);
    expect(text).not.toMatch('warning:');
  });

  it('compares two rulebooks and writes JSON and CSV', async () => {
    const file = writeJsonl('deals.jsonl', snapshots(200));
    const minimal = path.join(__dirname, '../../fixtures/rulebooks/valid-minimal.yaml');
    await backtestCommand(
      backtestFlags({
        snapshots: file,
        horizon: '30',
        rules: [DEFAULT_RULEBOOK_FILE, minimal],
        format: 'json',
      }),
      deps(),
    );
    const report = JSON.parse(out.join(''));
    expect(report.horizons).toHaveLength(1);
    expect(report.horizons[0].forecasts.map((f: { name: string }) => f.name)).toEqual([
      'stage probability',
      `adjusted ${loadRulebookFile().version}`,
      `adjusted ${loadRulebookFile(minimal).version}`,
    ]);
    expect(report.horizons[0].forecasts[1].reliability).toHaveLength(10);
    out = [];
    await backtestCommand(backtestFlags({ snapshots: file, horizon: '60', format: 'csv' }), deps());
    const rows = out.join('').trim().split('\n');
    expect(rows[0]).toBe('horizon_days,forecast,metric,value,low,high,deals');
    expect(rows.some((r) => /^60,stage probability,brier,0\.\d+,0\.\d+,0\.\d+,\d+$/.test(r))).toBe(true);
  });

  it('warns with the count when reason-to-act inputs have no field history', async () => {
    const deals: Record<string, unknown>[] = snapshots(120).map((s) => ({ ...s, fieldHistory: [] }));
    const file = writeJsonl('nohistory.jsonl', deals);
    await backtestCommand(backtestFlags({ snapshots: file, horizon: '30', format: 'json' }), deps());
    const withInputs = deals.filter((d) => {
      const o = d.opportunity as Record<string, unknown>;
      return (
        o.Compelling_Event__c ||
        o.Cost_Of_Delay__c ||
        o.Customer_Decision_Date__c ||
        o.Strategic_Initiative__c
      );
    }).length;
    expect(withInputs).toBeGreaterThan(0);
    expect(err.join('')).toMatch(
      `warning: ${withInputs} deals read compellingEvent, costOfDelay, customerDecisionDate, strategicInitiative as they are now`,
    );
  });
});

describe('calibrate', () => {
  it('writes a proposed rulebook with a calibration block that rules check shows', async () => {
    const file = writeJsonl('deals.jsonl', snapshots(700));
    const target = path.join(dir, 'proposed.yaml');
    await calibrateCommand({ snapshots: file, horizon: '30', out: target }, deps());
    const text = out.join('');
    expect(text).toMatch(/^Calibrated on \d+ closed deals from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d/);
    expect(text).toMatch('Caps dropped');
    expect(text).toMatch(/^Verdict: (adopt|keep)\. /m);
    const proposed = loadRulebookFile(target);
    expect(proposed.calibration).toMatchObject({
      horizonDays: 30,
      caps: 'dropped',
      base: loadRulebookFile().version,
    });
    expect(proposed.flags.every((f) => f.cap === undefined)).toBe(true);
    expect(proposed.probability.alpha).not.toBe(loadRulebookFile().probability.alpha);
    expect(calibrationLine(proposed.calibration)).toMatch(
      /^calibrated on \d+ closed deals: Brier 0\.\d\d vs 0\.\d\d for stage probability$/,
    );
    // The held-out reliability table travels with the block: 10 bins over exactly the held-out deals,
    // and the forecast page's diagram reads the bins that hold deals.
    const bins = proposed.calibration?.heldOut.reliability ?? [];
    expect(bins).toHaveLength(10);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(proposed.calibration?.heldOut.deals);
    const drawn = reliabilityOf(proposed) ?? [];
    expect(drawn).toHaveLength(bins.filter((b) => b.count > 0).length);
    expect(drawn.every((b) => b.meanPredicted >= 0 && b.meanPredicted <= 1)).toBe(true);
    expect(reliabilityOf(loadRulebookFile())).toBeUndefined();
    // Comments of the base file survive the edit.
    expect(readFileSync(target, 'utf8')).toMatch('# The rulebook that ships.');
  });
});
