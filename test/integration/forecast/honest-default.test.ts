import { toClosedDeal } from '../../../src/forecast/closed-deals';
import { historyFromDeals } from '../../../src/forecast/history';
import { calibrationSlope, ece, mean } from '../../../src/forecast/metrics';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { closedSnapshots } from '../../../src/sandbox/closed-snapshots';
import { generateOrg } from '../../../src/sandbox/generator';

/**
 * The shipped rulebook before any calibration: on closed deals whose outcomes follow customer
 * commitment with a moderate strength (E = 1) and whose stage table is over-confident, its adjusted
 * probability must not be over-confident (slope ≥ 0.7) and must say on average what happens (mean
 * within 5 points of the win rate). Seeded, so the figures are the same on every run.
 */
const NOW = Date.parse('2026-11-15T12:00:00Z');
const rulebook = loadRulebookFile();

function viewOn(deals: number, effect: number, seed: number, horizon: number) {
  const org = generateOrg({ deals, seed, now: NOW, plantedEffect: effect, closedShare: 1 });
  const closed = closedSnapshots(org).map((s, i) => toClosedDeal(s, rulebook, `deal ${i}`));
  return historyFromDeals(closed, { rulebooks: [rulebook], horizons: [horizon] }).views[0];
}

describe('the shipped default rulebook, uncalibrated', () => {
  it('is not over-confident on deals with a moderate planted effect, 30 days before their close', () => {
    const view = viewOn(2000, 1, 21, 30);
    const y = view.samples.map((s) => s.won);
    const adjusted = view.samples.map((s) => s.adjusted[0]);
    const stage = view.samples.map((s) => s.stage);
    if (process.env.REPORT_FIGURES)
      process.stderr.write(
        `honest default: ${y.length} deals, won ${mean(y).toFixed(3)}, adjusted mean ${mean(adjusted).toFixed(3)} ` +
          `slope ${calibrationSlope(adjusted, y).toFixed(2)} ece ${ece(adjusted, y).toFixed(3)}; ` +
          `stage mean ${mean(stage).toFixed(3)} slope ${calibrationSlope(stage, y).toFixed(2)}\n`,
      );
    expect(y.length).toBeGreaterThan(1500);
    // The stage table this data is built with is over-confident; the default must correct it.
    expect(mean(stage) - mean(y)).toBeGreaterThan(0.15);
    expect(calibrationSlope(adjusted, y)).toBeGreaterThanOrEqual(0.7);
    expect(Math.abs(mean(adjusted) - mean(y))).toBeLessThanOrEqual(0.05);
  });
});
