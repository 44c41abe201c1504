import type { ScorerError } from '../../src/lib/errors';

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function failure(promise: Promise<unknown>): Promise<ScorerError> {
  try {
    await promise;
  } catch (err) {
    return err as ScorerError;
  }
  throw new Error('expected a failure');
}
