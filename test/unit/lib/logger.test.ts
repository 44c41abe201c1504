import { Writable } from 'node:stream';
import { createLogger } from '../../../src/lib/logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ destination: stream, level: 'debug' }) };
}

describe('the logger', () => {
  it('redacts tokens, keys and Authorization headers by path', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        accessToken: '00Dxx0000001gPL!AQ4AQFakeToken',
        conn: { accessToken: 'nested-secret', refresh_token: 'refresh-secret' },
        req: { headers: { authorization: 'Bearer admin-secret-token' } },
        headers: { Authorization: 'OAuth another-secret' },
        jwt: { assertion: 'eyJhbGciOiJSUzI1NiJ9.payload.sig', privateKey: '-----BEGIN PRIVATE KEY-----' },
        oppId: '006000000000001AAA',
      },
      'connected',
    );
    const out = lines.join('');
    for (const secret of [
      'FakeToken',
      'nested-secret',
      'refresh-secret',
      'admin-secret-token',
      'another-secret',
      'eyJhbGci',
      'BEGIN PRIVATE',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[redacted]');
    expect(out).toContain('006000000000001AAA');
  });

  it('writes structured lines with the component of a child logger', () => {
    const { lines, logger } = capture();
    logger.child({ component: 'batcher' }).debug({ batchId: 7 }, 'batch ready');
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ component: 'batcher', batchId: 7, msg: 'batch ready', level: 20 });
  });
});

describe('the log format', () => {
  it('writes JSON lines when not on a terminal, human-readable lines when asked (as on a terminal), both redacted', () => {
    const json = capture();
    json.logger.info({ accessToken: 'json-secret' }, 'hello');
    expect(JSON.parse(json.lines.join(''))).toMatchObject({ msg: 'hello', accessToken: '[redacted]' });

    const lines: string[] = [];
    const logger = createLogger({
      pretty: true,
      destination: new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    logger.info({ accessToken: 'pretty-secret', oppId: '006000000000001AAA' }, 'hello');
    const out = lines.join('');
    expect(() => JSON.parse(out)).toThrow();
    expect(out).toMatch(/INFO.*hello/);
    expect(out).toContain('006000000000001AAA');
    expect(out).not.toContain('pretty-secret');
  });
});
