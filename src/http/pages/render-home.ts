import { calibrationLine } from '../../forecast/calibration';
import type { ForecastReport } from '../../forecast/report';
import { PAGES_CSS, PAGES_JS } from './assets';
import { canvas, esc, fmtMoney, page, type ChartSpec } from './html';
import { gapTable } from './render-forecast';

/** `/`: where to start. The deals whose commitment backs least of their stage-weighted amount. */
export function renderHomePage(r: ForecastReport): string {
  const deals = r.largestGaps.slice(0, 10);
  const chart: ChartSpec = {
    id: 'chart-gaps',
    type: 'bar',
    horizontal: true,
    stacked: true,
    labels: deals.map((d) => (d.name ?? d.id).slice(0, 36)),
    datasets: [
      { label: 'Commitment-adjusted', data: deals.map((d) => d.adjusted), color: '#2f6fde' },
      { label: 'Gap to stage-weighted', data: deals.map((d) => d.gap), color: '#f0b37e' },
    ],
  };
  const body = `
<h1>Deals with the largest gap</h1>
<p class="lead">Open deals closing in ${esc(r.period.label)} whose stage says more than the customer's commitment does: ${esc(fmtMoney(r.totals.gap))} of ${esc(fmtMoney(r.totals.stageWeighted))} stage-weighted is not backed. <a href="/forecast">The full forecast review</a>.</p>
<p class="calib">${esc(calibrationLine(r.calibration))}</p>
${canvas(chart, 'Stage-weighted amount of each deal, split into what the commitment backs and the gap', 340)}
<h2>Open each deal's review</h2>
${gapTable(r.largestGaps)}`;
  return page({ title: 'Largest gaps', body, charts: [chart] }, PAGES_CSS, PAGES_JS);
}
