import { ERROR_CATALOGUE, ScorerError, exitCodeFor, wrapError } from '../../../src/lib/errors';

describe('the error type', () => {
  it('carries code, retryable, context and cause, with the fix from the catalogue', () => {
    const cause = new Error('socket hang up');
    const err = new ScorerError('NETWORK', 'Query failed', { context: { oppId: '006' }, cause });
    expect(err).toMatchObject({ code: 'NETWORK', retryable: true, context: { oppId: '006' }, cause });
    expect(new ScorerError('RULEBOOK_INVALID', 'x').fix).toBe(ERROR_CATALOGUE.RULEBOOK_INVALID.fix);
  });

  it('wraps foreign errors at a boundary and passes its own through', () => {
    const own = new ScorerError('USAGE', 'bad flag');
    expect(wrapError(own, 'INTERNAL', 'ignored')).toBe(own);
    const wrapped = wrapError(new TypeError('boom'), 'ORG_REQUEST_FAILED', 'Loading deals failed', {
      batchId: 3,
    });
    expect(wrapped.message).toBe('Loading deals failed: boom');
    expect(wrapped.context).toEqual({ batchId: 3 });
    expect(wrapped.cause).toBeInstanceOf(TypeError);
  });

  it.each([
    ['SNAPSHOT_INVALID', 1],
    ['CONFIG_INVALID', 1],
    ['RULEBOOK_INVALID', 1],
    ['ORG_AUTH_FAILED', 2],
    ['NETWORK', 2],
  ] as const)('maps %s to exit code %i', (code, exit) => {
    expect(exitCodeFor(new ScorerError(code, 'x'))).toBe(exit);
  });

  it('treats an unexpected error as a failure of the org or network side (exit 2)', () => {
    expect(exitCodeFor(new Error('unexpected'))).toBe(2);
  });
});
