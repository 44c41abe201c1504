import { captureLogs, recordSecrets } from '../../support/log-capture';
import { findSecrets } from '../../support/secret-scan';

describe('the secret scan of captured logs', () => {
  it('finds a known secret value and every credential shape, and nothing in redacted lines', () => {
    const known = 'admin-token-value-1234';
    const text = [
      `{"msg":"x","value":"${known}"}`,
      '{"token":"00D5g000000SBX1!AQ8bXk2Vx5lqJwDmlG1h8Xo3QnYpRzS4"}',
      '{"headers":{"Authorization":"Bearer abcdefgh12345678"}}',
      '{"key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQ"}',
      '{"url":"https://x/services/oauth2/token?grant_type=jwt&assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"}',
      '{"refresh":"5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrbc4YJoUuQUUrk6zrmqn1ig.foJeYmDzfMQ"}',
    ].join('\n');
    const whats = findSecrets(text, [known]).map((f) => f.what);
    expect(whats).toEqual(
      expect.arrayContaining([
        'a secret value used by a test',
        'Salesforce access token',
        'Bearer credential',
        'private key',
        'signed JWT',
        'credential in a URL or form',
        'Salesforce refresh token',
      ]),
    );
    const redacted =
      '{"headers":{"Authorization":"[redacted]"},"token":"[redacted]","msg":"Bearer [redacted]"}';
    expect(findSecrets(redacted, [known])).toEqual([]);
  });

  it('captures the service logger with its redaction paths', () => {
    const { logger, lines } = captureLogs('info');
    const token = '00D5g000000SBX1!AQ4nd9Rk3qX8LmPwYtZ0vBcDeFgHiJkLmN';
    recordSecrets(token);
    logger.info({ accessToken: token, req: { headers: { authorization: `Bearer ${token}` } } }, 'hello');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"msg":"hello"');
    expect(findSecrets(lines.join(''), [token])).toEqual([]);
  });
});
