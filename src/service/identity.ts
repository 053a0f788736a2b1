// The service's own keys and its self-signed ProfileService (protocol.md §7.1, §8 item 1),
// created once and kept in DATA/service.json.
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ed448, x448 } from '@noble/curves/ed448.js';
import { fromHex, randomBytes, toBase64Url, toHex, utf8 } from '../mesh/bytes.ts';
import { createEnvelope } from '../mesh/dare/envelope.ts';
import { signer, type Signer } from '../mesh/dare/signature.ts';
import { publicFromPrivate } from '../mesh/dare/curves.ts';
import { keyFingerprint, keyFingerprintBytes, profileUdf } from '../mesh/protocol/fingerprints.ts';
import { toEnvelopeJson, type PublicKey } from '../mesh/protocol/objects.ts';
import type { EnvelopeJson } from '../mesh/protocol/messages.ts';

export interface ServiceIdentity {
  profile: EnvelopeJson;
  profileUdf: string;
  authPrivate: Uint8Array;
  authPublic: Uint8Array;
  signer: Signer;
  signPublic: PublicKey;
  /** X448 agreement with the service authentication key (ordinary clamped key). */
  agree(peer: Uint8Array): Uint8Array;
}

export function keyData(crv: string, pub: Uint8Array): Record<string, unknown> {
  return { Udf: keyFingerprint(crv, pub), PublicParameters: { PublicKeyECDH: { crv, Public: toBase64Url(pub) } } };
}

interface Stored {
  profileKey: string;
  signKey: string;
  authKey: string;
  encryptKey: string;
  profile: EnvelopeJson;
}

export async function loadIdentity(dataDir: string): Promise<ServiceIdentity> {
  const path = join(dataDir, 'service.json');
  let stored: Stored;
  if (existsSync(path)) {
    stored = JSON.parse(readFileSync(path, 'utf8')) as Stored;
  } else {
    const profileKey = randomBytes(57);
    const signKey = randomBytes(57);
    const authKey = randomBytes(56);
    const encryptKey = randomBytes(56);
    const profilePub = ed448.getPublicKey(profileKey);
    const body = {
      ProfileService: {
        RootUdfs: [toBase64Url(keyFingerprintBytes('Ed448', profilePub))],
        ServiceAuthentication: keyData('X448', publicFromPrivate('X448', authKey)),
        ServiceEncryption: keyData('X448', publicFromPrivate('X448', encryptKey)),
        ServiceSignature: keyData('Ed448', ed448.getPublicKey(signKey)),
      },
    };
    const s = signer('Ed448', profileKey, keyFingerprint('Ed448', profilePub), profilePub);
    const env = await createEnvelope(utf8(JSON.stringify(body)), { signers: [s], contentMeta: { cty: 'application/mmm' } });
    stored = { profileKey: toHex(profileKey), signKey: toHex(signKey), authKey: toHex(authKey), encryptKey: toHex(encryptKey), profile: toEnvelopeJson(env) };
    writeFileSync(path + '.tmp', JSON.stringify(stored), { mode: 0o600 });
    renameSync(path + '.tmp', path);
  }
  const authPrivate = fromHex(stored.authKey);
  const signKey = fromHex(stored.signKey);
  const signPub = ed448.getPublicKey(signKey);
  const rootUdfs = ((stored.profile[1] && JSON.parse(Buffer.from(stored.profile[1], 'base64url').toString('utf8')).ProfileService.RootUdfs) as string[]).map((r) => Buffer.from(r, 'base64url'));
  return {
    profile: stored.profile,
    profileUdf: profileUdf(rootUdfs.map((b) => new Uint8Array(b))),
    authPrivate,
    authPublic: publicFromPrivate('X448', authPrivate),
    signer: signer('Ed448', signKey, keyFingerprint('Ed448', signPub)),
    signPublic: { crv: 'Ed448', public: signPub },
    agree: (peer) => x448.getSharedSecret(authPrivate, peer.subarray(0, 56)),
  };
}
