import { orgError } from '../../../src/salesforce/org-errors';

/** jsforce's HttpApiError carries the body's errorCode as both `name` and `errorCode`. */
function apiError(errorCode: string, message: string): Error {
  return Object.assign(new Error(message), { name: errorCode, errorCode });
}

describe('classifying a failed Salesforce call', () => {
  it('treats a refresh that failed inside jsforce as an auth problem to retry, not a permanent failure', () => {
    // jsforce replaces the refresh function's own error with a plain Error carrying only this text.
    const err = orgError(
      new Error('Unable to refresh session due to: fetch failed'),
      'Salesforce query failed',
    );
    expect(err.code).toBe('ORG_AUTH_FAILED');
    expect(err.kind).toBe('org');
  });

  it("treats jsforce's request timeout (node-fetch AbortError) and host failures as network errors", () => {
    const abort = Object.assign(new Error('The user aborted a request.'), { name: 'AbortError' });
    expect(orgError(abort, 'q').code).toBe('NETWORK');
    expect(orgError(Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }), 'q').code).toBe('NETWORK');
    expect(orgError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'q').retryable).toBe(
      true,
    );
  });

  it('keeps the daily limit, an expired session and a bad field apart', () => {
    expect(orgError(apiError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), 'q').code).toBe(
      'ORG_LIMIT_EXCEEDED',
    );
    expect(orgError(apiError('INVALID_SESSION_ID', 'Session expired'), 'q').code).toBe('ORG_AUTH_FAILED');
    const field = orgError(apiError('INVALID_FIELD', "No such column 'Foo__c'"), 'q');
    expect([field.code, field.retryable]).toEqual(['ORG_REQUEST_FAILED', false]);
    expect(orgError(apiError('ERROR_HTTP_503', 'Service Unavailable'), 'q').retryable).toBe(true);
  });
});
