import type { Rulebook } from '../rules/load-rulebook';
import type { Deal, HistoryRow } from './snapshot';

/**
 * The deal's stage, probability, amount and close date as of `asOf`, rebuilt from OpportunityHistory
 * so that backtests see what the seller saw then; plus the stage moves and close-date pushes up to then.
 */

export interface DealState {
  stage: string;
  probability: number;
  amount: number | null;
  closeDate: number | null;
  isClosed: boolean;
  isWon: boolean;
  closeDatePushes: number;
  /** When the deal entered its current stage (null when unknown). */
  stageEnteredAt: number | null;
  /** When the deal entered the stage before the current one (creation when the move was the first). */
  previousStageEnteredAt: number | null;
  /** When the stage last moved forward, provided it has not moved back since. */
  lastAdvanceAt: number | null;
}

export function dealStateAsOf(deal: Deal, rulebook: Rulebook, asOf: number): DealState {
  const opp = deal.opportunity;
  const rows = deal.history.filter((h) => h.CreatedDate !== null && h.CreatedDate <= asOf);
  rows.sort((a, b) => (a.CreatedDate as number) - (b.CreatedDate as number));
  const last: HistoryRow | undefined = rows[rows.length - 1];

  const stage = last?.StageName ?? opp.StageName;
  const fromHistory = last !== undefined;
  const probability = (fromHistory ? last.Probability : null) ?? opp.Probability ?? 0;
  const amount = fromHistory ? (last.Amount ?? opp.Amount) : opp.Amount;
  const closeDate = fromHistory ? (last.CloseDate ?? opp.CloseDate) : opp.CloseDate;

  let isWon = rulebook.wonStages.has(stage);
  let isClosed = isWon || rulebook.lostStages.has(stage);
  if (!isClosed && opp.IsClosed && stage === opp.StageName) {
    // The deal is in its current stage, which the record says is closed but the rulebook does not
    // list as won or lost (orgs add closing stages): trust the record.
    isClosed = true;
    isWon = opp.IsWon === true;
  }

  let pushes = 0;
  let previousClose: number | null = null;
  let currentStage: string | null = null;
  let stageEnteredAt: number | null = opp.CreatedDate ?? rows[0]?.CreatedDate ?? null;
  let previousStageEnteredAt: number | null = null;
  let lastAdvanceAt: number | null = null;
  for (const row of rows) {
    const before = row.PrevCloseDate ?? previousClose;
    if (row.CloseDate !== null && before !== null && row.CloseDate > before) pushes++;
    if (row.CloseDate !== null) previousClose = row.CloseDate;
    if (row.StageName !== null && row.StageName !== currentStage) {
      if (currentStage !== null) {
        previousStageEnteredAt = stageEnteredAt;
        stageEnteredAt = row.CreatedDate;
        const forward =
          (rulebook.stageRank.get(row.StageName) ?? -1) > (rulebook.stageRank.get(currentStage) ?? -1);
        lastAdvanceAt = forward ? row.CreatedDate : null;
      }
      currentStage = row.StageName;
    }
  }
  return {
    stage,
    probability,
    amount,
    closeDate,
    isClosed,
    isWon,
    closeDatePushes: pushes,
    stageEnteredAt,
    previousStageEnteredAt,
    lastAdvanceAt,
  };
}
