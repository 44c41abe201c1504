import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the service exposes on /metrics, in one registry per process (no global state). */
export function createMetrics() {
  const registry = new Registry();
  // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes…), as dashboards expect.
  collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    eventsReceived: new Counter({
      name: 'commitment_scorer_events_received_total',
      help: 'Change events received',
      labelNames: ['entity'],
      registers: [registry],
    }),
    eventsSkipped: new Counter({
      name: 'commitment_scorer_events_skipped_total',
      help: 'Change events skipped as our own echo',
      labelNames: ['reason'],
      registers: [registry],
    }),
    eventsProcessed: new Counter({
      name: 'commitment_scorer_events_processed_total',
      help: 'Change events whose deals were scored',
      registers: [registry],
    }),
    batches: new Counter({
      name: 'commitment_scorer_batches_total',
      help: 'Batches scored',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    apiCalls: new Counter({
      name: 'commitment_scorer_api_calls_total',
      help: 'Salesforce API calls',
      labelNames: ['kind'],
      registers: [registry],
    }),
    rowsWritten: new Counter({
      name: 'commitment_scorer_rows_written_total',
      help: 'Opportunity rows written',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    scored: new Counter({
      name: 'commitment_scorer_previews_total',
      help: 'Deals scored through the HTTP preview',
      registers: [registry],
    }),
    lag: new Histogram({
      name: 'commitment_scorer_change_to_write_seconds',
      help: "From the org's commit of a change to our write of its deal; written deals only (echoes: events_skipped_total)",
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'commitment_scorer_queue_depth',
      help: 'Opportunity ids waiting to be scored',
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'commitment_scorer_dead_letters_total',
      help: 'Events and records set aside in the dead-letter file',
      labelNames: ['code'],
      registers: [registry],
    }),
    subscriptionRebuilds: new Counter({
      name: 'commitment_scorer_subscription_rebuilds_total',
      help: 'Streaming clients rebuilt',
      labelNames: ['cause'],
      registers: [registry],
    }),
    replayFallbacks: new Counter({
      name: 'commitment_scorer_replay_fallbacks_total',
      help: 'Stored replay ids refused by the org (events may have expired; a sweep follows)',
      registers: [registry],
    }),
    sweeps: new Counter({
      name: 'commitment_scorer_sweeps_total',
      help: 'Reconciliation sweeps',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    driftChecks: new Counter({
      name: 'commitment_scorer_drift_checks_total',
      help: 'Checks of the org for changes no event announced (outcome drift: the subscription was rebuilt)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    idsNotHeld: new Counter({
      name: 'commitment_scorer_ids_not_held_total',
      help: 'Deal ids of change events not held because pending work was at MAX_PENDING_DEALS (a catch-up sweep covers them)',
      registers: [registry],
    }),
    apiUsage: new Gauge({
      name: 'commitment_scorer_api_usage_ratio',
      help: 'Daily API usage of the org (used ÷ limit)',
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
