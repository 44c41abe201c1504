/** The state every part of the sandbox shares, wired once by startSandbox (or by tests directly). */
import { SandboxClock } from './clock';
import { ChangeEventBus } from './change-events';
import { Faults, Stats, type WriteLogEntry } from './faults';
import { OrgShape, type OrgShapeOptions } from './org-shape';
import { RecordStore } from './store';
import { WriteService } from './writes';

export interface SandboxCore {
  store: RecordStore;
  bus: ChangeEventBus;
  faults: Faults;
  stats: Stats;
  clock: SandboxClock;
  writes: WriteService;
  writeLog: WriteLogEntry[];
  /** Fields this org lacks, restricts further or does not let users edit. */
  shape: OrgShape;
  /** access token → user id */
  tokens: Map<string, string>;
  apiVersion: string;
  queryBatchSize: number;
  /** CometD long-poll hold in ms (Salesforce holds 110 s; tests use a fraction of a second). */
  cometdTimeoutMs: number;
  /** A CometD client that does not poll again within this many ms is forgotten (Salesforce: 40 s). */
  cometdClientTimeoutMs: number;
}

export interface CoreOptions {
  clock?: SandboxClock;
  apiVersion?: string;
  queryBatchSize?: number;
  cometdTimeoutMs?: number;
  cometdClientTimeoutMs?: number;
  dailyApiLimit?: number;
  shape?: OrgShapeOptions;
}

export function createCore(opts: CoreOptions = {}): SandboxCore {
  const clock = opts.clock ?? new SandboxClock();
  const store = new RecordStore();
  const bus = new ChangeEventBus(clock);
  const faults = new Faults();
  const writeLog: WriteLogEntry[] = [];
  const shape = new OrgShape(opts.shape);
  return {
    shape,
    store,
    bus,
    faults,
    stats: new Stats(clock, opts.dailyApiLimit ?? 15000),
    clock,
    writes: new WriteService(store, bus, faults, clock, writeLog, shape),
    writeLog,
    tokens: new Map(),
    apiVersion: opts.apiVersion ?? '62.0',
    queryBatchSize: opts.queryBatchSize ?? 2000,
    cometdTimeoutMs: opts.cometdTimeoutMs ?? 110_000,
    cometdClientTimeoutMs: opts.cometdClientTimeoutMs ?? 40_000,
  };
}
