import { orgAuthFrom, parseEnv } from '../../../src/config/env';

describe('the environment', () => {
  it('applies the documented defaults', () => {
    expect(parseEnv({})).toMatchObject({
      SF_LOGIN_URL: 'https://login.salesforce.com',
      SF_API_VERSION: '62.0',
      CDC_CHANNEL: '/data/Commitment_Scorer__chn',
      SCORER_CLIENT_ID: 'commitment-scorer',
      PORT: 3000,
      HOST: '127.0.0.1',
      STATE_DIR: './.state',
      LOG_LEVEL: 'info',
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SF_API_VERSION: '62' }, 'SF_API_VERSION'],
    [{ CDC_CHANNEL: 'OpportunityChangeEvent' }, 'CDC_CHANNEL'],
    [{ INTEGRATION_USER_ID: '006000000000001' }, 'INTEGRATION_USER_ID'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ READ_TOKEN: 'short' }, 'READ_TOKEN'],
    [{ HOST: 'my host' }, 'HOST'],
    [{ SF_ACCESS_TOKEN: 'abc' }, 'SF_INSTANCE_URL'],
    [{ SF_INSTANCE_URL: 'not a url', SF_ACCESS_TOKEN: 'abc' }, 'SF_INSTANCE_URL'],
    [{ SF_CLIENT_ID: 'abc', SF_USERNAME: 'u@example.com' }, 'SF_JWT_KEY_FILE'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => parseEnv(env)).toThrow(new RegExp(`Invalid configuration: .*${variable} `));
  });

  it('treats empty values as unset', () => {
    const env = parseEnv({ PORT: '', SF_ORG: '' });
    expect(env.PORT).toBe(3000);
    expect(env.SF_ORG).toBeUndefined();
  });

  it('chooses a ready token first, then JWT, then the sf CLI store, else the sandbox', () => {
    const token = { SF_INSTANCE_URL: 'https://acme.my.salesforce.com', SF_ACCESS_TOKEN: 't' };
    const jwt = { SF_CLIENT_ID: 'c', SF_USERNAME: 'u@acme.com', SF_JWT_KEY_FILE: '/keys/server.key' };
    expect(orgAuthFrom(parseEnv({ ...token, ...jwt, SF_ORG: 'acme' })).kind).toBe('token');
    expect(orgAuthFrom(parseEnv({ ...jwt, SF_ORG: 'acme' }))).toMatchObject({
      kind: 'jwt',
      loginUrl: 'https://login.salesforce.com',
    });
    expect(orgAuthFrom(parseEnv({ SF_ORG: 'acme' }))).toEqual({ kind: 'sf-cli', org: 'acme' });
    expect(orgAuthFrom(parseEnv({}))).toEqual({ kind: 'sandbox' });
  });
});
