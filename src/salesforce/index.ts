export { createConnection, type ConnectionOptions } from './connection';
export { apiUsageRatio, DEFAULT_MAX_API_USAGE } from './api-usage';
export { validateIds, to18, OPPORTUNITY_PREFIX, MAX_IDS_PER_QUERY } from './ids';
export {
  loadSnapshots,
  DEFAULT_ACTIVITY_DAYS,
  type DealSnapshot,
  type LoadedSnapshots,
  type LoadOptions,
} from './load-snapshots';
export {
  writeBack,
  backoffMs,
  type WriteBackOptions,
  type WriteSummary,
  type RowFailure,
} from './write-back';
export type { ApiCallKind, ApiCallCounter } from './paged-query';
