// Client-side pieces that need no running service (discovery, URL rules, identifiers), and the
// service's TLS and loopback rules (in-process).
import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { checkServiceUrl, discoverService } from '../../src/mesh/client.ts';
import { keyFingerprint, keyFingerprintBytes, makeId, profileUdf, ENVELOPE_ID_TYPE, RESPONSE_ID_TYPE } from '../../src/mesh/protocol/fingerprints.ts';
import { fromBase64Url } from '../../src/mesh/bytes.ts';
import { decodeRequest, encodeRequest } from '../../src/mesh/protocol/framing.ts';
import { parseAuthHeader } from '../../src/mesh/protocol/mac.ts';
import { keyId, keyUdfBytes } from '../../src/mesh/keys.ts';
import { startService } from '../../src/service/server.ts';
import { xKey, edKey } from './service-fixtures.ts';

describe('service discovery and URL rules', () => {
  test('explicit URL, then SRV, then the domain', async () => {
    expect(await discoverService('alice@Example.com', { serviceUrl: 'http://127.0.0.1:8080/.well-known/mmm/' })).toBe('http://127.0.0.1:8080/.well-known/mmm/');
    const srv = async (name: string) => (expect(name).toBe('_mmm._tcp.example.com'), [{ name: 'mesh.example.net.', port: 8443, priority: 10 }, { name: 'backup.example.net', port: 1, priority: 20 }]);
    expect(await discoverService('alice@Example.com', { resolveSrv: srv })).toBe('https://mesh.example.net:8443/.well-known/mmm/');
    const none = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await discoverService('alice@example.com', { resolveSrv: none })).toBe('https://example.com/.well-known/mmm/');
    expect(await discoverService('alice@example.com')).toBe('https://example.com/.well-known/mmm/');
    await expect(discoverService('not-an-address')).rejects.toThrow(/user@domain/);
  });

  test('plain http only to loopback', () => {
    expect(checkServiceUrl('http://localhost:1/.well-known/mmm')).toBe('http://localhost:1/.well-known/mmm/');
    expect(checkServiceUrl('https://mesh.example.com')).toBe('https://mesh.example.com/.well-known/mmm/');
    expect(checkServiceUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/.well-known/mmm/');
    expect(checkServiceUrl('http://[::1]:1/.well-known/mmm/')).toBe('http://[::1]:1/.well-known/mmm/');
    expect(() => checkServiceUrl('http://example.com/.well-known/mmm/')).toThrow(/loopback/);
    expect(() => checkServiceUrl('ftp://example.com/')).toThrow();
  });
});

describe('protocol identifiers and framing', () => {
  test('key fingerprints agree with the keys module; MakeID matches the spec example', () => {
    for (let i = 0; i < 3; i++) {
      const x = xKey();
      expect(keyFingerprint('X448', x.pub)).toBe(keyId('X448', x.pub));
      const e = edKey();
      expect(keyFingerprintBytes('Ed448', e.pub)).toEqual(keyUdfBytes('Ed448', e.pub));
    }
    expect(profileUdf([fromBase64Url('YKOTZ2MAJbOtLERigQ-JqWSUyAr3_VxluZmjaZMhtlXQbvRmV2qyVJSPWG-NLpmos1BLO3W0644FPzcy4Mg07zI')])).toBe('MBQD-CODE-XMWJ-QHE3-2KHZ-UKKF-TVVF');
    expect(profileUdf([fromBase64Url('YBJR3jR2PljdYk5qxbWdHY0rTYEaFAkHY3MmsR8zvN1Dr33RnLUL3ThrG9DMWBZ3P-8ZyGzyKaQYweco2ZUtcKw')])).toBe('MBQC-7OHA-RNBA-FRDL-R4GI-YQHA-DL36');
    expect(makeId('NBAM-IBG7-4IM2-UNK6-NQOQ-HFSR-4LBD', ENVELOPE_ID_TYPE)).toBe('MBRN-LSG3-IBIK-2RUK-U4TO-HOZK-7ZJP');
    expect(makeId('NBAM-IBG7-4IM2-UNK6-NQOQ-HFSR-4LBD', RESPONSE_ID_TYPE)).toBe('MBB3-YB75-4P67-6YFY-2WWY-AKUA-UHPV');
  });

  test('requests: transaction tag or class name; malformed input is a MeshError', () => {
    expect(decodeRequest(encodeRequest('Status', { Account: 'a@b.c' }))).toEqual({ transaction: 'Status', body: { Account: 'a@b.c' } });
    expect(decodeRequest(new TextEncoder().encode('{"StatusRequest":{}}')).transaction).toBe('Status');
    for (const bad of ['[]', '{}', '{"Status":1}', 'null', '{"Status":{}, "Hello":{}}']) expect(() => decodeRequest(new TextEncoder().encode(bad))).toThrow();
    expect(() => parseAuthHeader('v=1; kid=A; kid=B; ts=2025-01-05T10:00:00Z; nonce=AAECAwQFBgcICQoLDA0ODw; mac=oSpSKyffIktagZ7E50USu7gBL6gckAUvKWr8Q2sElGQ')).toThrow(/repeats/);
    expect(() => parseAuthHeader('v=2; kid=A; ts=2025-01-05T10:00:00Z; nonce=AAECAwQFBgcICQoLDA0ODw; mac=oSpSKyffIktagZ7E50USu7gBL6gckAUvKWr8Q2sElGQ')).toThrow(/version/);
  });
});

describe('service transport rules', () => {
  test('plain HTTP is refused on a non-loopback address; HTTPS with a certificate works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-tls-'));
    try {
      await expect(startService({ dataDir: dir, host: '0.0.0.0' })).rejects.toThrow(/loopback/);
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const running = await startService({ dataDir: join(dir, 'data'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') });
      try {
        expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\.well-known\/mmm\/$/);
        const body = await new Promise<string>((resolve, reject) => {
          const req = request(running.url, { method: 'POST', ca: readFileSync(join(dir, 'cert.pem')), headers: { 'Content-Type': 'application/json' } }, (res) => {
            let t = '';
            res.on('data', (d) => (t += d));
            res.on('end', () => resolve(t));
          });
          req.on('error', reject);
          req.end('{"Hello":{}}');
        });
        expect(JSON.parse(body).MeshHelloResponse.Status).toBe(201);
      } finally {
        await running.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
