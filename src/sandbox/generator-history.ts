/**
 * A deal's stage history: OpportunityHistory rows for stage moves and close-date pushes (with
 * PrevCloseDate) and OpportunityFieldHistory rows for the pushes.
 */
import { DAY_MS } from './clock';
import type { DealContext, DealProfile } from './generator-deal';
import { STAGES } from './schema';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const day = (ms: number): string => iso(ms).slice(0, 10);

/** Audit fields; the rest (IsDeleted, SystemModstamp, LastModifiedById) the store derives on read. */
export function sys(ctx: DealContext, created: number, by = ctx.ownerId) {
  const c = iso(Math.min(created, ctx.now));
  return { CreatedDate: c, CreatedById: by, LastModifiedDate: c };
}

export function history(p: DealProfile, ctx: DealContext, oppId: string, created: number): void {
  const { now, rng } = ctx;
  const closed = p.stageIdx >= 8;
  const lastOpen = closed ? rng.int(5, 7) : p.stageIdx;
  const path: { idx: number; at: number }[] = [{ idx: 0, at: created }];
  const prevAt = now - p.prevStageDaysAgo * DAY_MS;
  const lastAt = now - p.stageAdvancedDaysAgo * DAY_MS;
  for (let s = 1; s <= lastOpen; s++) {
    const frac = s / Math.max(1, lastOpen);
    const isPrev = s === lastOpen - (closed ? 0 : 1);
    // Deals skip stages in real orgs; skipping some also keeps 100k-deal orgs small.
    if (!isPrev && s !== lastOpen && rng.chance(0.6)) continue;
    path.push({ idx: s, at: isPrev ? prevAt : created + frac * (prevAt - created) });
  }
  if (!closed && p.stageIdx > 0) path[path.length - 1] = { idx: p.stageIdx, at: lastAt };
  if (closed) path.push({ idx: p.stageIdx, at: lastAt });
  // Close-date pushes sit between creation and now, each moving the date out by 2-6 weeks.
  let close = Date.parse(`${p.closeDate}T00:00:00Z`) - p.pushes * 30 * DAY_MS;
  const pushAt = Array.from(
    { length: p.pushes },
    (_, i) => created + ((i + 1) / (p.pushes + 1)) * (now - created),
  );
  const rows: { at: number; idx: number; close: number; prevClose: number | null }[] = path.map((s) => ({
    at: s.at,
    idx: s.idx,
    close,
    prevClose: null,
  }));
  for (const at of pushAt) {
    const prev = close;
    close += 30 * DAY_MS;
    const idx = [...path].reverse().find((s) => s.at <= at)?.idx ?? 0;
    rows.push({ at, idx, close, prevClose: prev });
  }
  rows.sort((a, b) => a.at - b.at);
  let curClose = rows[0].close;
  for (const r of rows) {
    if (r.prevClose === null) r.close = curClose;
    else curClose = r.close;
    const st = STAGES[r.idx];
    ctx.emit('OpportunityHistory', {
      Id: ctx.newId('OpportunityHistory'),
      ...sys(ctx, r.at),
      OpportunityId: oppId,
      StageName: st.name,
      Amount: p.amount,
      PrevAmount: p.amount,
      CloseDate: day(r.close),
      PrevCloseDate: r.prevClose === null ? null : day(r.prevClose),
      Probability: st.probability,
      ForecastCategory: st.forecast,
    });
    if (r.prevClose !== null) fieldHistory(ctx, oppId, r.at, 'CloseDate', day(r.prevClose), day(r.close));
  }
}

function fieldHistory(
  ctx: DealContext,
  oppId: string,
  at: number,
  field: string,
  oldV: string,
  newV: string,
): void {
  ctx.emit('OpportunityFieldHistory', {
    Id: ctx.newId('OpportunityFieldHistory'),
    ...sys(ctx, at),
    OpportunityId: oppId,
    Field: field,
    OldValue: oldV,
    NewValue: newV,
    DataType: 'Date',
  });
}
