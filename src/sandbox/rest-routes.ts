/** REST resources under /services/data/vXX.X: query with paging, sObjects, collections, describe, limits. */
import express, { type Request, type Response, type Router } from 'express';
import type { SandboxCore } from './core';
import { describeGlobal, describeObject } from './describe';
import { findObject } from './schema';
import { SfError, invalidField } from './sf-errors';
import { attributes, prepareQuery } from './soql-engine';
import { valueOf } from './store';
import { writeCtx } from './rest-guard';
import type { SaveResult } from './writes';

const COLLECTION_LIMIT = 200;
const COMPOSITE_LIMIT = 25;
const COMPOSITE_QUERY_LIMIT = 5;

/** A query's answer kept for its later pages, each record already JSON (see `prepareQuery`). */
interface Cursor {
  records: string[];
  totalSize: number;
}

export function restRoutes(core: SandboxCore): Router {
  const r = express.Router();
  const cursors = new Map<string, Cursor>();
  let cursorSeq = 0;
  const base = (): string => `/services/data/v${core.apiVersion}`;

  const page = (req: Request, res: Response, id: string, from: number): void => {
    const cur = cursors.get(id);
    if (!cur) throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const size = batchSize(req, core.queryBatchSize);
    const records = cur.records.slice(from, from + size);
    const done = from + size >= cur.records.length;
    if (done) cursors.delete(id);
    // The bytes res.json would send for {totalSize, done, nextRecordsUrl?, records}, without
    // serialising the records a second time.
    const next = done ? '' : `"nextRecordsUrl":${JSON.stringify(`${base()}/query/${id}-${from + size}`)},`;
    res
      .type('json')
      .send(`{"totalSize":${cur.totalSize},"done":${done},${next}"records":[${records.join(',')}]}`);
  };

  const query = (req: Request, res: Response): void => {
    const q = req.query.q;
    if (typeof q !== 'string' || !q.trim())
      throw new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const result = prepareQuery(q, {
      store: core.store,
      now: core.clock.now(),
      apiVersion: core.apiVersion,
      hasField: (object, field) => core.shape.has(object, field),
    });
    const records = Array.from({ length: result.length }, (_, i) => JSON.stringify(result.record(i)));
    const id = `01g5g0${(++cursorSeq).toString().padStart(9, '0')}`;
    cursors.set(id, { records, totalSize: result.totalSize });
    page(req, res, id, 0);
  };

  r.get('/:v/query', query);
  // queryAll would include deleted and archived rows; the sandbox forgets deleted rows, so it equals query.
  r.get('/:v/queryAll', query);
  r.get('/:v/query/:locator', (req, res) => {
    const m = /^(.+)-(\d+)$/.exec(String(req.params.locator));
    if (!m) throw new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    page(req, res, m[1], Number(m[2]));
  });

  // Composite with query subrequests only (what the drift check sends): the whole series is one call.
  r.post('/:v/composite', (req, res) => {
    const subs: unknown = req.body?.compositeRequest;
    if (!Array.isArray(subs) || subs.length === 0 || subs.length > COMPOSITE_LIMIT)
      throw new SfError(
        400,
        'INVALID_INPUT',
        `compositeRequest must hold 1 to ${COMPOSITE_LIMIT} subrequests`,
      );
    if (subs.length > COMPOSITE_QUERY_LIMIT)
      throw new SfError(400, 'INVALID_INPUT', `at most ${COMPOSITE_QUERY_LIMIT} query subrequests per call`);
    const compositeResponse = subs.map((sub: { method?: string; url?: string; referenceId?: string }) => {
      const referenceId = String(sub.referenceId ?? '');
      try {
        const url = new URL(String(sub.url ?? ''), 'http://sandbox');
        if (sub.method !== 'GET' || !/\/query\/?$/.test(url.pathname))
          throw new SfError(400, 'INVALID_INPUT', 'the sandbox takes GET query subrequests only');
        const q = url.searchParams.get('q') ?? '';
        const result = prepareQuery(q, {
          store: core.store,
          now: core.clock.now(),
          apiVersion: core.apiVersion,
        });
        const n = Math.min(result.length, core.queryBatchSize);
        const records = Array.from({ length: n }, (_, i) => result.record(i));
        const body = { totalSize: result.totalSize, done: n === result.length, records };
        return { httpStatusCode: 200, referenceId, httpHeaders: {}, body };
      } catch (err) {
        if (!(err instanceof SfError)) throw err;
        return { httpStatusCode: err.status, referenceId, httpHeaders: {}, body: err.body() };
      }
    });
    res.json({ compositeResponse });
  });

  r.get('/:v/limits', (_req, res) => {
    const max = core.stats.dailyLimit;
    res.json({
      DailyApiRequests: { Max: max, Remaining: Math.max(0, max - core.stats.apiUsage()) },
      DailyStreamingApiEvents: { Max: 50000, Remaining: 50000 },
      MonthlyPlatformEventsUsageEntitlement: { Max: 50000, Remaining: 50000 },
    });
  });

  r.get('/:v/sobjects', (_req, res) => {
    res.json(describeGlobal(core.apiVersion));
  });
  r.get('/:v/sobjects/:obj/describe', (req, res) => {
    res.json(describeObject(objectOrThrow(String(req.params.obj)), core.apiVersion, core.shape));
  });

  r.patch('/:v/composite/sobjects', (req, res) => {
    const rows = collectionRows(req);
    const results = core.writes.updateMany(
      rows.map((row) => ({ type: typeOf(row), id: String(row.id ?? row.Id ?? ''), fields: row })),
      req.body?.allOrNone === true,
      writeCtx(res, core),
    );
    res.json(results);
  });
  r.post('/:v/composite/sobjects', (req, res) => {
    const rows = collectionRows(req);
    const ctx = writeCtx(res, core);
    // Creates run one by one; allOrNone is not honoured for creates (documented difference).
    res.json(rows.map((row): SaveResult => core.writes.create(typeOf(row), row, ctx)));
  });

  r.get('/:v/sobjects/:obj/:id', (req, res) => {
    const obj = objectOrThrow(String(req.params.obj));
    const rec = core.store.get(obj.name, String(req.params.id));
    if (!rec) throw new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const wanted =
      typeof req.query.fields === 'string' ? req.query.fields.split(',').map((f) => f.trim()) : null;
    const names = wanted ?? obj.fields.map((f) => f.name);
    const out: Record<string, unknown> = { attributes: attributes(obj.name, rec.Id, core.apiVersion) };
    for (const n of names) {
      const fd = core.shape.field(obj.name, n);
      if (!fd) throw invalidField(n, obj.name);
      out[fd.name] = valueOf(rec, fd.name);
    }
    res.json(out);
  });
  r.get('/:v/sobjects/:obj', (req, res) => {
    const obj = objectOrThrow(String(req.params.obj));
    res.json({ objectDescribe: describeObject(obj, core.apiVersion, core.shape), recentItems: [] });
  });
  r.post('/:v/sobjects/:obj', (req, res) => {
    const result = core.writes.create(String(req.params.obj), req.body ?? {}, writeCtx(res, core));
    if (!result.success) throw rowToError(result);
    res.status(201).json(result);
  });
  r.patch('/:v/sobjects/:obj/:id', (req, res) => {
    const result = core.writes.update(
      String(req.params.obj),
      String(req.params.id),
      req.body ?? {},
      writeCtx(res, core),
    );
    if (!result.success) throw rowToError(result);
    res.status(204).end();
  });
  r.delete('/:v/sobjects/:obj/:id', (req, res) => {
    const result = core.writes.remove(String(req.params.obj), String(req.params.id), writeCtx(res, core));
    if (!result.success) throw rowToError(result);
    res.status(204).end();
  });
  r.get('/:v', (_req, res) => {
    const b = base();
    res.json({
      sobjects: `${b}/sobjects`,
      query: `${b}/query`,
      queryAll: `${b}/queryAll`,
      limits: `${b}/limits`,
      composite: `${b}/composite`,
    });
  });
  return r;
}

function batchSize(req: Request, dflt: number): number {
  const m = /batchSize=(\d+)/.exec(String(req.headers['sforce-query-options'] ?? ''));
  return m ? Math.min(2000, Math.max(200, Number(m[1]))) : dflt;
}

function objectOrThrow(name: string) {
  const obj = findObject(name);
  if (!obj) throw new SfError(404, 'NOT_FOUND', `The requested resource does not exist`);
  return obj;
}

function collectionRows(req: Request): Record<string, unknown>[] {
  const rows = req.body?.records;
  if (!Array.isArray(rows)) throw new SfError(400, 'JSON_PARSER_ERROR', 'records is required');
  if (rows.length > COLLECTION_LIMIT) {
    throw new SfError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${COLLECTION_LIMIT} records into this call`,
    );
  }
  return rows as Record<string, unknown>[];
}

function typeOf(row: Record<string, unknown>): string {
  const t = (row.attributes as { type?: string } | undefined)?.type;
  if (!t) throw new SfError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
  return t;
}

function rowToError(r: SaveResult): SfError {
  const e = r.errors[0];
  const status = e.statusCode === 'NOT_FOUND' || e.statusCode === 'ENTITY_IS_DELETED' ? 404 : 400;
  return new SfError(status, e.statusCode, e.message, e.fields.length ? e.fields : undefined);
}
