import type { DealReview } from '../../forecast/deal-review';
import { PAGES_CSS, PAGES_JS } from './assets';
import { canvas, esc, fmtMoney, page, type ChartSpec } from './html';

/** `/deals/:id`: the customer-centric deal review. */
export function renderDealPage(d: DealReview, ownerName: string | null = null): string {
  const dance: ChartSpec = {
    id: 'chart-dance',
    type: 'bar',
    labels: d.weeks.map((w) => w.from.slice(5)),
    datasets: [
      { label: 'Customer yeses', data: d.weeks.map((w) => w.customerYeses), color: '#1f9d55' },
      { label: 'Seller actions', data: d.weeks.map((w) => w.sellerActions), color: '#d9822b' },
    ],
  };
  const probability: ChartSpec = {
    id: 'chart-probability',
    type: 'bar',
    horizontal: true,
    percent: true,
    labels: [
      'Stage probability',
      'Adjusted probability',
      ...d.moves.filter((m) => m.ask).map((m) => `If: ${m.ask}`),
    ],
    datasets: [
      {
        label: 'Probability (%)',
        data: [
          d.stageProbability,
          d.adjustedProbability,
          ...d.moves.filter((m) => m.ask).map((m) => m.adjustedProbability),
        ],
        color: '#2f6fde',
      },
    ],
  };
  const body = `
<h1>${esc(d.name ?? d.id)}</h1>
<p class="lead">${esc(d.stage)} · ${esc(fmtMoney(d.amount))} · closes ${esc(d.closeDate ?? 'with no date')}${ownerName ? ` · ${esc(ownerName)}` : ''} · reviewed as of ${esc(d.asOf.slice(0, 10))} with rules ${esc(d.rulesVersion)}</p>
<div class="cards">
  <div class="card"><div class="k">Stage probability</div><div class="v" id="stage-probability">${esc(d.stageProbability)} %</div></div>
  <div class="card"><div class="k">Commitment-adjusted</div><div class="v" id="adjusted-probability">${esc(d.adjustedProbability)} %</div></div>
  <div class="card"><div class="k">Commitment score</div><div class="v" id="commitment-score">${esc(d.commitmentScore)}</div></div>
  <div class="card"><div class="k">Balance (yeses ÷ actions)</div><div class="v">${esc(d.balance ?? '—')}</div></div>
  <div class="card"><div class="k">Last customer yes</div><div class="v">${esc(d.lastCustomerYesDate ?? 'none')}</div></div>
</div>
<h2>The dance: customer yeses against seller actions, week by week</h2>
${canvas(dance, `Week by week over the last ${d.weeks.length} weeks (weeks start on the date shown)`)}
<div class="grid2">
<section>
<h2>Reason to act</h2>
${reasonToAct(d)}
</section>
<section>
<h2>The customer's own plan</h2>
${plan(d)}
</section>
</div>
<h2>Flags</h2>
${flags(d)}
<h2>What would move it</h2>
${moves(d)}
${canvas(probability, 'Stage probability, adjusted probability, and the adjusted probability after each yes', 120 + 34 * d.moves.length)}`;
  return page({ title: d.name ?? d.id, body, charts: [dance, probability] }, PAGES_CSS, PAGES_JS);
}

function item(met: boolean, text: string): string {
  return `<li class="${met ? 'ok' : 'no'}">${text}</li>`;
}

function reasonToAct(d: DealReview): string {
  const r = d.reasonToAct;
  const cost = r.costOfDelay;
  const date = r.decisionDate;
  return `<ul class="check" id="reason-to-act">
${item(r.compellingEvent.met, r.compellingEvent.met ? `Compelling event: ${esc(r.compellingEvent.text)}` : 'No compelling event stated')}
${item(
  cost.met,
  cost.met
    ? `Cost of delay ${esc(fmtMoney(cost.perMonth))} a month; since the first close date (${esc(cost.firstCloseDate ?? '—')}) the customer has lost <strong id="cost-accrued">${esc(fmtMoney(cost.accrued))}</strong>`
    : 'No cost of delay quantified',
)}
${item(
  date.met && date.agrees,
  date.met
    ? `Customer decision date ${esc(date.date)}; the close date ${esc(date.closeDate ?? '—')} ${date.agrees ? 'agrees with it' : '<strong>does not agree</strong> with it'}`
    : 'No decision date owned by the customer',
)}
${item(r.strategicInitiative.met, r.strategicInitiative.met ? `Strategic initiative: ${esc(r.strategicInitiative.text)}` : 'Not linked to a strategic initiative')}
</ul>`;
}

function plan(d: DealReview): string {
  if (d.plan.length === 0) return '<p class="note">The customer owns no step: there is no mutual plan.</p>';
  const rows = d.plan
    .map(
      (s) =>
        `<tr><td>${esc(s.type ?? '—')}</td><td>${esc(s.due ?? '—')}</td><td>${esc(s.completed ?? '—')}</td><td class="state-${s.state}">${esc(s.state)}</td></tr>`,
    )
    .join('\n');
  return `<table id="plan"><thead><tr><th>Customer step</th><th>Due</th><th>Done</th><th>State</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function flags(d: DealReview): string {
  if (d.flags.length === 0) return '<p class="note">No flag: the customer\'s commitment backs the stage.</p>';
  return `<table id="flags"><tbody>
${d.flags.map((f) => `<tr data-flag="${esc(f.code)}"><td><span class="flag sev-${esc(f.severity)}">${esc(f.code)}</span></td><td>${esc(f.message)}</td></tr>`).join('\n')}
</tbody></table>`;
}

function moves(d: DealReview): string {
  if (d.moves.length === 0) return '<p class="note">Nothing to clear.</p>';
  const rows = d.moves
    .map(
      (m) =>
        `<tr data-move="${esc(m.code)}"><td><span class="flag">${esc(m.code)}</span></td><td>${
          m.ask ? `Ask for ${esc(m.ask)}` : 'No single yes clears it'
        }</td><td class="n" data-probability>${esc(m.adjustedProbability)} %</td><td class="n">${m.change > 0 ? '+' : ''}${esc(m.change)}</td></tr>`,
    )
    .join('\n');
  return `<table id="moves"><thead><tr><th>Flag</th><th>The yes to ask for</th><th class="n">Adjusted then</th><th class="n">Points</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}
