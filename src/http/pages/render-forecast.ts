import { calibrationLine, type ReliabilityBin } from '../../forecast/calibration';
import { describeClosing } from '../../forecast/period';
import { GROUP_BY, type ForecastReport, type GapDeal } from '../../forecast/report';
import { PAGES_CSS, PAGES_JS } from './assets';
import { canvas, esc, fmtMoney, page, type AssetMode, type ChartSpec } from './html';

/** /forecast and `forecast --format html`: the forecast review. Numbers come straight from the report. */

const STAGE_COLOUR = '#9aa5b1';
const ADJUSTED_COLOUR = '#2f6fde';

export interface ForecastPageOptions {
  assets?: AssetMode;
  /** The last backtest's reliability table (10 bins), when closed history has been backtested. */
  reliability?: ReliabilityBin[];
}

export function renderForecastPage(r: ForecastReport, opts: ForecastPageOptions = {}): string {
  const charts: ChartSpec[] = [groupChart(r), flagChart(r)];
  const reliability = opts.reliability && opts.reliability.length > 0 ? opts.reliability : undefined;
  if (reliability) charts.push(reliabilityChart(reliability));
  const t = r.totals;
  const body = `
<h1>Forecast review ${esc(r.period.label)}</h1>
<p class="lead">Open deals ${esc(describeClosing(r.period))}, scored as of ${esc(r.asOf.slice(0, 10))} with rules ${esc(r.rulesVersion)}.</p>
<p class="calib" id="calibration">${esc(calibrationLine(r.calibration))}</p>
${opts.assets?.kind === 'inline' ? '' : filters(r)}
${r.unscored > 0 ? `<p class="note">${esc(r.unscored)} deals could not be scored and are left out; the service log names them.</p>` : ''}
<div class="cards" id="totals">
  ${card('Deals', String(t.count), 'count')}
  ${card('Amount', fmtMoney(t.amount), 'amount')}
  ${card('Stage-weighted', fmtMoney(t.stageWeighted), 'stageWeighted')}
  ${card('Commitment-adjusted', fmtMoney(t.adjusted), 'adjusted')}
  ${card('Gap', fmtMoney(t.gap), 'gap')}
</div>
<div class="grid2">
  ${canvas(charts[0], `Stage-weighted against commitment-adjusted amount by ${r.by}`)}
  ${canvas(charts[1], 'Open deals carrying each flag')}
</div>
<h2>By ${esc(r.by)}</h2>
${groupTable(r)}
<h2>Deals with the largest gap</h2>
${gapTable(r.largestGaps)}
<h2>Reliability of the adjusted probability</h2>
${
  reliability
    ? canvas(
        charts[2],
        'Reliability diagram of the last backtest: observed win rate against predicted probability',
        300,
      )
    : '<p class="note" id="no-backtest">No backtest exists yet: the reliability diagram appears once closed deals have been backtested.</p>'
}`;
  return page(
    {
      title: `Forecast ${r.period.label}`,
      body,
      charts,
      assets: opts.assets,
      nav: opts.assets?.kind !== 'inline',
    },
    PAGES_CSS,
    PAGES_JS,
  );
}

function card(label: string, value: string, key: string): string {
  return `<div class="card"><div class="k">${esc(label)}</div><div class="v" data-total="${esc(key)}">${esc(value)}</div></div>`;
}

function filters(r: ForecastReport): string {
  const options = GROUP_BY.map(
    (b) => `<option value="${b}"${b === r.by ? ' selected' : ''}>${b}</option>`,
  ).join('');
  return `<form class="filters" method="get" action="/forecast"><label>Period <input name="period" value="${esc(r.period.label)}" size="8"></label><label>By <select name="by">${options}</select></label><button type="submit">Show</button></form>`;
}

function groupTable(r: ForecastReport): string {
  const rows = r.groups
    .map(
      (g) =>
        `<tr data-group="${esc(g.key)}"><td>${esc(g.label)}</td><td class="n">${esc(g.count)}</td><td class="n">${esc(fmtMoney(g.amount))}</td><td class="n">${esc(fmtMoney(g.stageWeighted))}</td><td class="n">${esc(fmtMoney(g.adjusted))}</td><td class="n">${esc(fmtMoney(g.gap))}</td></tr>`,
    )
    .join('\n');
  const t = r.totals;
  const totalLabel = r.by === 'flag' ? 'All deals (flag rows overlap)' : 'Total';
  return `<table id="groups"><thead><tr><th>${esc(r.by)}</th><th class="n">Deals</th><th class="n">Amount</th><th class="n">Stage-weighted</th><th class="n">Adjusted</th><th class="n">Gap</th></tr></thead><tbody>
${rows}
<tr class="total"><td>${esc(totalLabel)}</td><td class="n">${esc(t.count)}</td><td class="n">${esc(fmtMoney(t.amount))}</td><td class="n">${esc(fmtMoney(t.stageWeighted))}</td><td class="n">${esc(fmtMoney(t.adjusted))}</td><td class="n">${esc(fmtMoney(t.gap))}</td></tr>
</tbody></table>`;
}

export function gapTable(deals: GapDeal[]): string {
  if (deals.length === 0) return '<p class="note">No open deals in this period.</p>';
  const rows = deals
    .map(
      (d) =>
        `<tr data-deal="${esc(d.id)}"><td class="deal"><a href="/deals/${esc(encodeURIComponent(d.id))}">${esc(d.name ?? d.id)}</a></td><td>${esc(d.owner)}</td><td>${esc(d.stage)}</td><td class="n">${esc(fmtMoney(d.amount))}</td><td class="n">${esc(d.stageProbability)} %</td><td class="n">${esc(d.adjustedProbability)} %</td><td class="n">${esc(fmtMoney(d.gap))}</td><td>${
          d.topFlag ? `<span class="flag">${esc(d.topFlag.code)}</span> ${esc(d.topFlag.message)}` : ''
        }</td></tr>`,
    )
    .join('\n');
  return `<table id="gaps"><thead><tr><th>Deal</th><th>Owner</th><th>Stage</th><th class="n">Amount</th><th class="n">Stage %</th><th class="n">Adjusted %</th><th class="n">Gap</th><th>Top flag</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function groupChart(r: ForecastReport): ChartSpec {
  const groups = r.groups.slice(0, 15);
  return {
    id: 'chart-groups',
    type: 'bar',
    labels: groups.map((g) => g.label),
    datasets: [
      { label: 'Stage-weighted', data: groups.map((g) => g.stageWeighted), color: STAGE_COLOUR },
      { label: 'Commitment-adjusted', data: groups.map((g) => g.adjusted), color: ADJUSTED_COLOUR },
    ],
  };
}

function flagChart(r: ForecastReport): ChartSpec {
  return {
    id: 'chart-flags',
    type: 'bar',
    horizontal: true,
    labels: r.flagCounts.map((f) => f.code),
    datasets: [{ label: 'Deals', data: r.flagCounts.map((f) => f.count), color: '#d9822b' }],
  };
}

function reliabilityChart(bins: ReliabilityBin[]): ChartSpec {
  const points = bins.filter((b) => b.count > 0).map((b) => ({ x: b.meanPredicted, y: b.observed }));
  return {
    id: 'chart-reliability',
    type: 'scatter',
    unitSquare: true,
    datasets: [
      { label: 'Adjusted probability', data: points, color: ADJUSTED_COLOUR, type: 'scatter' },
      {
        label: 'Perfect calibration',
        data: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
        color: STAGE_COLOUR,
        type: 'line',
      },
    ],
  };
}
