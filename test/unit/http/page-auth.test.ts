import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createPageAuth } from '../../../src/http/pages/page-auth';

/** The sign-in store's bounds: callers cannot grow memory by asking for links, and no token means none matches. */
let server: Server;
let base: string;
const auth = createPageAuth({ tokens: [undefined, ''], now: () => 1_000_000, maxCodes: 2 });

beforeAll(async () => {
  const app = express();
  app.get('/login', auth.login);
  app.get('/page', auth.require, (_req, res) => void res.send('ok'));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('page sign-in bounds', () => {
  it('keeps at most maxCodes links: the oldest stops working', async () => {
    const [first, second, third] = [auth.issueLoginPath(), auth.issueLoginPath(), auth.issueLoginPath()];
    expect((await fetch(`${base}${first}`, { redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${base}${second}`, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(`${base}${third}`, { redirect: 'manual' })).status).toBe(303);
  });

  it('accepts no bearer token when none is configured, not even an empty one', async () => {
    expect((await fetch(`${base}/page`, { headers: { authorization: 'Bearer ' } })).status).toBe(401);
    expect((await fetch(`${base}/login`, { redirect: 'manual' })).status).toBe(401);
  });
});
