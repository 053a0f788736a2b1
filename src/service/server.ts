// HTTP(S) front of the Mesh Service (protocol.md §2-3): POST to /.well-known/mmm/, CORS for the
// extension, body limits, the response MAC header. TLS when given a certificate; plain HTTP
// only on a loopback address (decision 4).
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { HEADER_AUTH_RESPONSE, formatResponseHeader, responseMac } from '../mesh/protocol/mac.ts';
import { MeshService, type ServiceOptions } from './service.ts';
import { createHash } from 'node:crypto';

export const WELL_KNOWN = '/.well-known/mmm/';

export interface StartOptions extends ServiceOptions {
  host?: string;
  port?: number;
  /** PEM files; with both, the service speaks HTTPS. */
  certFile?: string;
  keyFile?: string;
  /** Most requests handled at once (503 beyond). */
  maxInFlight?: number;
}

export interface RunningService {
  url: string;
  service: MeshService;
  server: Server;
  close(): Promise<void>;
}

export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

const CORS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, X-MMM-Credential, X-MMM-Auth, Cache-Control',
  'Access-Control-Expose-Headers': HEADER_AUTH_RESPONSE,
  'Access-Control-Max-Age': '600',
};

function send(res: ServerResponse, status: number, body: Uint8Array | string, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const b = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': String(b.length), ...CORS, ...extra });
  res.end(b);
}

const errorBody = (message: string): string => JSON.stringify({ error: message });

export async function startService(opts: StartOptions): Promise<RunningService> {
  const host = opts.host ?? '127.0.0.1';
  const tls = !!(opts.certFile && opts.keyFile);
  if (!tls && !isLoopback(host)) throw new Error(`plain HTTP is allowed only on a loopback address; give --cert and --key to serve ${host}`);
  const service = await MeshService.open(opts);
  const limits = service.limits;
  const maxInFlight = opts.maxInFlight ?? 512;
  let inFlight = 0;
  const log = opts.log ?? (() => undefined);

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (!path.startsWith(WELL_KNOWN)) return send(res, 404, errorBody('not a Mesh service path'));
    if (req.method === 'OPTIONS') return send(res, 204, '');
    if (req.method !== 'POST') return send(res, 405, errorBody('use POST'), { Allow: 'POST, OPTIONS' });
    if (inFlight >= maxInFlight) {
      req.resume();
      return send(res, 503, errorBody('service overloaded'), { 'Retry-After': '1' });
    }
    inFlight++;
    const started = Date.now();
    const chunks: Buffer[] = [];
    let size = 0;
    // Too large (declared or streamed): the rest is read and dropped, then 413 is sent, so the
    // client sees the answer instead of a reset; past 16 times the limit the socket is dropped.
    let tooLarge = Number(req.headers['content-length'] ?? '0') > limits.maxRequestBytes;
    let finished = false;
    const done = (): void => {
      if (!finished) {
        finished = true;
        inFlight--;
      }
    };
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limits.maxRequestBytes) {
        tooLarge = true;
        chunks.length = 0;
        if (size > 16 * limits.maxRequestBytes) {
          done();
          req.destroy();
        }
        return;
      }
      if (!tooLarge) chunks.push(c);
    });
    req.on('error', done);
    res.on('close', done);
    req.on('end', () => {
      if (tooLarge) {
        send(res, 413, errorBody(`request body exceeds ${limits.maxRequestBytes} bytes`));
        done();
        return;
      }
      const body = new Uint8Array(Buffer.concat(chunks));
      service
        .handle(body, req.headers, path)
        .then((r) => {
          const extra: Record<string, string> = {};
          if (r.mac) extra[HEADER_AUTH_RESPONSE] = formatResponseHeader(responseMac(r.mac.key, r.mac.nonce, r.body, createHash('sha256').update(r.body).digest()));
          send(res, r.http, r.body, extra);
          log(`${r.tx ?? '-'} ${r.account ? r.account.slice(0, 9) : '-'} ${r.http} in=${size} out=${r.body.length} ${Date.now() - started}ms`);
        })
        .catch((e: unknown) => {
          log(`internal error: ${e instanceof Error ? e.message : String(e)}`);
          send(res, 500, errorBody('internal error'));
        })
        .finally(done);
    });
  };

  const serverOpts = { maxHeaderSize: limits.maxHeaderBytes };
  const server: Server = tls
    ? (createHttpsServer({ ...serverOpts, cert: readFileSync(opts.certFile!), key: readFileSync(opts.keyFile!), minVersion: 'TLSv1.2' }, onRequest) as unknown as Server)
    : createHttpServer(serverOpts, onRequest);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.keepAliveTimeout = 5000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `${tls ? 'https' : 'http'}://${hostPart}:${addr.port}${WELL_KNOWN}`;
  return {
    url,
    service,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          service.close();
          resolve();
        });
        server.closeAllConnections?.();
      }),
  };
}
