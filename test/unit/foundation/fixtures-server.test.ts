import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:http';
import { serveFixtures, type FixtureServer } from '../../e2e/fixtures-server.ts';

describe('serveFixtures', () => {
  let dir: string;
  let server: FixtureServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshpass-fixtures-test-'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'page.html'), '<iframe src="{{OTHER_ORIGIN}}/x.html"></iframe><a href="{{ORIGIN}}/">home</a>');
    await writeFile(join(dir, 'sub', 'index.html'), 'sub index');
    await writeFile(join(dir, 'data.json'), '{"a":1}');
    await writeFile(join(tmpdir(), 'meshpass-outside.txt'), 'secret');
    server = await serveFixtures(dir, {
      '/dynamic': (req, res) => {
        res.writeHead(201, { 'content-type': 'text/plain' }).end(`hello ${req.method}`);
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    await rm(join(tmpdir(), 'meshpass-outside.txt'), { force: true });
  });

  it('serves two different origins on 127.0.0.1', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.otherOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.otherOrigin).not.toBe(server.origin);
  });

  it('serves files with their type and fills in the origins in html', async () => {
    const page = await fetch(server.url('/page.html'));
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toBe(`<iframe src="${server.otherOrigin}/x.html"></iframe><a href="${server.origin}/">home</a>`);
    const json = await fetch(server.otherUrl('data.json'));
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(await json.json()).toEqual({ a: 1 });
  });

  it('serves index.html for a folder and 404 for a missing file', async () => {
    expect(await (await fetch(server.url('/sub/'))).text()).toBe('sub index');
    expect((await fetch(server.url('/missing.html'))).status).toBe(404);
  });

  it('never serves a file outside the folder', async () => {
    // Raw request paths: fetch() would normalize the dot segments away before sending.
    const status = (path: string) =>
      new Promise<number>((done, failed) => {
        get({ host: '127.0.0.1', port: new URL(server.origin).port, path }, (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        }).on('error', failed);
      });
    for (const path of ['/../meshpass-outside.txt', '/..%2Fmeshpass-outside.txt', '/sub/..%2F..%2Fmeshpass-outside.txt']) {
      expect([403, 404], path).toContain(await status(path));
    }
  });

  it('runs routes before static files', async () => {
    const res = await fetch(server.url('/dynamic'), { method: 'POST' });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('hello POST');
  });

  it('serves routes only when given no folder', async () => {
    const routesOnly = await serveFixtures(null, {
      '/': (_req, res) => {
        res.end('root');
      },
    });
    try {
      expect(await (await fetch(routesOnly.url('/'))).text()).toBe('root');
      expect((await fetch(routesOnly.url('/page.html'))).status).toBe(404);
    } finally {
      await routesOnly.close();
    }
  });
});
