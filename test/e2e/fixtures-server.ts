// Static fixture pages over http for the e2e tests, on 127.0.0.1 with a random port, plus a second
// listener on another port: a different ORIGIN (same site) for cross-origin iframe tests.
// In .html files, {{ORIGIN}} and {{OTHER_ORIGIN}} are replaced at serve time, so a page can embed a
// frame from the other origin. `routes` adds dynamic handlers (exact path match) before the static files.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface FixtureServer {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** http://127.0.0.1:OTHER_PORT, serving the same files: cross-origin to `origin`. */
  readonly otherOrigin: string;
  url(path: string): string;
  otherUrl(path: string): string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

function listen(server: Server): Promise<number> {
  return new Promise((done, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

/** dir: the folder to serve (null: routes only). */
export async function serveFixtures(dir: string | null, routes: Record<string, RouteHandler> = {}): Promise<FixtureServer> {
  const root = dir === null ? null : resolve(dir);
  const origins = { origin: '', otherOrigin: '' };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const route = routes[path];
    if (route) return route(req, res);
    if (root === null) return send(res, 404, 'not found');
    let file = resolve(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) return send(res, 403, 'forbidden');
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      let body: Buffer | string = await readFile(file);
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      if (extname(file) === '.html') {
        body = body.toString('utf8').replaceAll('{{ORIGIN}}', origins.origin).replaceAll('{{OTHER_ORIGIN}}', origins.otherOrigin);
      }
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      send(res, 404, 'not found');
    }
  };
  const servers = [0, 1].map(() =>
    createServer((req, res) => {
      handle(req, res).catch((error: unknown) => send(res, 500, String(error)));
    }),
  );
  const [port, otherPort] = await Promise.all(servers.map(listen));
  origins.origin = `http://127.0.0.1:${port}`;
  origins.otherOrigin = `http://127.0.0.1:${otherPort}`;
  return {
    ...origins,
    url: (p) => origins.origin + (p.startsWith('/') ? p : `/${p}`),
    otherUrl: (p) => origins.otherOrigin + (p.startsWith('/') ? p : `/${p}`),
    close: async () => {
      await Promise.all(servers.map(closeServer));
    },
  };
}

function send(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
