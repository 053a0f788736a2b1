// Test-only builders of the Mesh objects the service checks: account profile (ProfileUser),
// device profile, admin-signed ConnectionService credentials, Access capability frames and
// opaque catalog entry frames. Real profiles come from F2's code; these are minimal stand-ins.
import { ed448 } from '@noble/curves/ed448.js';
import { randomBytes, toBase64Url, utf8 } from '../../src/mesh/bytes.ts';
import { createEnvelope } from '../../src/mesh/dare/envelope.ts';
import { signer, type Signer } from '../../src/mesh/dare/signature.ts';
import { publicFromPrivate } from '../../src/mesh/dare/curves.ts';
import { keyFingerprint, keyFingerprintBytes, nonceUdf, profileUdf } from '../../src/mesh/protocol/fingerprints.ts';
import { clampX448, scalarCredential, type ClientCredential } from '../../src/mesh/client.ts';
import { toEnvelopeJson, type PublicKey } from '../../src/mesh/protocol/objects.ts';
import type { EnvelopeJson } from '../../src/mesh/protocol/messages.ts';

export const keyData = (crv: string, pub: Uint8Array) => ({ Udf: keyFingerprint(crv, pub), PublicParameters: { PublicKeyECDH: { crv, Public: toBase64Url(pub) } } });

export interface EdKey {
  priv: Uint8Array;
  pub: Uint8Array;
  kid: string;
  signer: Signer;
}
export function edKey(withPublicInSignature = false): EdKey {
  const priv = randomBytes(57);
  const pub = ed448.getPublicKey(priv);
  const kid = keyFingerprint('Ed448', pub);
  return { priv, pub, kid, signer: signer('Ed448', priv, kid, withPublicInSignature ? pub : undefined) };
}

export interface XKey {
  raw: Uint8Array;
  pub: Uint8Array;
  kid: string;
}
export function xKey(): XKey {
  const raw = randomBytes(56);
  const pub = publicFromPrivate('X448', raw);
  return { raw, pub, kid: keyFingerprint('X448', pub) };
}

async function selfSigned(tag: string, fields: Record<string, unknown>, root: EdKey): Promise<EnvelopeJson> {
  const body = { [tag]: { ...fields, RootUdfs: [toBase64Url(keyFingerprintBytes('Ed448', root.pub))] } };
  return toEnvelopeJson(await createEnvelope(utf8(JSON.stringify(body)), { signers: [root.signer], contentMeta: { cty: 'application/mmm' } }));
}

export interface TestAccount {
  address: string;
  profile: EnvelopeJson;
  udf: string;
  admin: EdKey;
  common: EdKey;
  owner: ClientCredential;
}

export async function makeAccount(address: string): Promise<TestAccount> {
  const root = edKey(true);
  const admin = edKey();
  const common = edKey();
  const auth = xKey();
  const profile = await selfSigned('ProfileUser', {
    AccountAddress: address,
    AdministratorSignature: keyData('Ed448', admin.pub),
    CommonSignature: keyData('Ed448', common.pub),
    CommonAuthentication: keyData('X448', auth.pub),
    CommonEncryption: keyData('X448', xKey().pub),
  }, root);
  return {
    address, profile, admin, common,
    udf: profileUdf([keyFingerprintBytes('Ed448', root.pub)]),
    owner: scalarCredential(profile, auth.pub, clampX448(auth.raw)),
  };
}

export interface TestDevice {
  profile: EnvelopeJson;
  credential: ClientCredential;
  udf: string;
}

export async function makeDevice(): Promise<TestDevice> {
  const root = edKey(true);
  const auth = xKey();
  const profile = await selfSigned('ProfileDevice', { Authentication: keyData('X448', auth.pub), Encryption: keyData('X448', xKey().pub), Signature: keyData('Ed448', edKey().pub) }, root);
  return { profile, credential: scalarCredential(profile, auth.pub, clampX448(auth.raw)), udf: profileUdf([keyFingerprintBytes('Ed448', root.pub)]) };
}

/** A connected-phase credential: a ConnectionService signed by the account admin key. */
export async function makeConnection(account: TestAccount): Promise<{ credential: ClientCredential; kid: string }> {
  const auth = xKey();
  const body = { ConnectionService: { ProfileUdf: account.udf, Authentication: keyData('X448', auth.pub) } };
  const env = toEnvelopeJson(await createEnvelope(utf8(JSON.stringify(body)), { signers: [account.admin.signer] }));
  return { credential: scalarCredential(env, auth.pub, clampX448(auth.raw)), kid: auth.kid };
}

/** The store header frame (index 0) an admin uploads to create a catalog. */
export async function storeHeader(): Promise<EnvelopeJson> {
  return toEnvelopeJson(await createEnvelope(new Uint8Array(0), {
    contentMeta: { cty: 'application/mmm-catalog' },
    header: { EnvelopeId: nonceUdf(), SequenceInfo: { DataEncoding: 'JSON', ContainerType: 'Merkle', Index: 0 } },
  }));
}

export interface EntryOptions {
  uniqueId: string;
  event?: 'New' | 'Update' | 'Delete';
  previous?: number;
  /** Opaque body octets (a real client encrypts). */
  body?: Uint8Array;
  signer?: Signer;
  envelopeId?: string;
}

/** A catalog entry frame with an opaque body, a PayloadDigest and (optionally) a signature. */
export async function entryFrame(o: EntryOptions): Promise<EnvelopeJson> {
  const meta: Record<string, unknown> = { UniqueId: o.uniqueId, Event: o.event ?? 'New' };
  if (o.previous) meta.Previous = o.previous;
  return toEnvelopeJson(await createEnvelope(o.body ?? randomBytes(64), {
    contentMeta: meta,
    digest: true,
    signers: o.signer ? [o.signer] : undefined,
    header: { EnvelopeId: o.envelopeId ?? nonceUdf() },
  }));
}

/** An Access frame: CatalogedAccess{AccessCapability} encrypted to the service AccessEncrypt key, signed by the admin. */
export async function accessFrame(account: TestAccount, accessEncrypt: PublicKey, capability: { id: string; active: boolean; rights?: string[] }, event: 'New' | 'Update' = 'New', previous = 0): Promise<EnvelopeJson> {
  const body = { CatalogedAccess: { Capability: { AccessCapability: { Id: capability.id, Active: capability.active, Rights: capability.rights ?? ['web'] } } } };
  const meta: Record<string, unknown> = { UniqueId: capability.id, Event: event };
  if (previous) meta.Previous = previous;
  return toEnvelopeJson(await createEnvelope(utf8(JSON.stringify(body)), {
    recipients: [{ kid: keyFingerprint('X448', accessEncrypt.public), crv: 'X448', public: accessEncrypt.public }],
    signers: [account.admin.signer],
    contentMeta: meta,
    header: { EnvelopeId: nonceUdf() },
  }));
}

