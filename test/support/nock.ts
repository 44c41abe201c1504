import nock from 'nock';

/**
 * Real network off for the whole file; every test's scopes are checked with `.done()` by the test.
 *
 * nock patches the process-wide `http` module when it is first required, and jest runs many test
 * files in one worker process: without `nock.restore()` the next file in the same worker sends its
 * sandbox traffic through this file's stale interceptor (a MockHttpSocket), which once aborted the
 * whole run with an ECONNREFUSED nobody listened for. The test environment (node-environment.js)
 * fails any file that leaves the interceptor behind.
 */
export function useNock(): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  });
}
