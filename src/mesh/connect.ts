// Connecting a device to an account (connect.md): PIN functions, the connection request and its
// witness on the device, the administrator's acceptance (activation, connections, grants by role)
// and the device's completion checks (§6.3).
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { MeshError } from './errors.ts';
import { concat, equal, fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from './bytes.ts';
import { base32Decode, base32Present } from './base32.ts';
import { udfNonce } from './udf.ts';
import { combinePrivate, combinePublic, keyId } from './keys.ts';
import { deriveKeyPair, generateKeySeed, parseKeySeed, presentKeySeed, SeedSpecifier } from './keyderive.ts';
import { checkPayloadDigest, createEnvelope, openEnvelope } from './dare/envelope.ts';
import { contentMeta, envelopeFromJson, parseJsonText, isPlainObject } from './dare/model.ts';
import { connectionWitness, ENVELOPE_ID_TYPE, makeId as makeIdF1, RESPONSE_ID_TYPE } from './protocol/fingerprints.ts';
import { readObject, readSignedBy, toEnvelopeJson } from './protocol/objects.ts';
import type { EnvelopeJson } from './protocol/messages.ts';
import {
  decrypterOf, keyData, keyRecord, privateOf, publicOf, readKeyRecord, readProfileDevice, readProfileUser, recipientOf, signerOf,
  type KeyRecord, type ProfileDeviceView,
} from './profile.ts';
import type { AccountBinding } from './device.ts';

export { ENVELOPE_ID_TYPE, RESPONSE_ID_TYPE };

// ------------------------------------------------------------------ identifiers (§5.1, §5.4)

/** MakeID(id, type): content-digest UDF of the id's octets minus the first (connect.md §5.4). */
export const makeId = (id: string, contentType: string): string => makeIdF1(id, contentType);

const hmac512 = (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(sha512, key, data);
const udfString = (type: number, data: Uint8Array): string => base32Present(concat(Uint8Array.of(type), data), 140);

/** A fresh PIN: authenticator UDF, type 0, 120 random bits shown as 26 characters. */
export function newPin(): string {
  return base32Present(concat(Uint8Array.of(0), randomBytes(15)), 128);
}

export function saltPin(pin: string, action = 'Device'): string {
  const key = base32Decode(pin).subarray(1, 16);
  if (key.length !== 15) throw new MeshError('malformed', 'a PIN has 26 characters');
  return udfString(0, hmac512(key, utf8(action)));
}

const saltKey = (saltedPin: string): Uint8Array => base32Decode(saltedPin).subarray(1, 17);

export function pinId(saltedPin: string, account: string): string {
  return udfString(0, hmac512(saltKey(saltedPin), utf8(account.toLowerCase())));
}

export function pinWitness(saltedPin: string, account: string, clientNonce: Uint8Array, payloadDigest: Uint8Array): Uint8Array {
  return hmac512(saltKey(saltedPin), concat(utf8(account.toLowerCase()), clientNonce, payloadDigest));
}

/**
 * Parses `mcd://account/PIN` (connect.md §4.3), optionally with `?udf=<account profile UDF>` (project
 * extension, §8: lets the new device check the account it joins), or returns undefined.
 */
export function parseConnectUri(uri: string): { account: string; pin: string; accountUdf?: string } | undefined {
  const m = /^mcd:\/\/([^/@\s]+@[^/\s]+)\/([A-Za-z2-7-]{20,})(?:\?udf=([A-Za-z2-7-]{20,}))?$/.exec(uri.trim());
  if (!m) return undefined;
  return { account: m[1].toLowerCase(), pin: m[2].toUpperCase(), ...(m[3] ? { accountUdf: m[3].toUpperCase() } : {}) };
}

/** The connection URI for a PIN (shown as a QR code). */
export const connectUri = (account: string, pin: string, accountUdf?: string): string => `mcd://${account}/${pin}${accountUdf ? `?udf=${accountUdf}` : ''}`;

// ------------------------------------------------------------------ small object helpers

const tagged = (tag: string, fields: Record<string, unknown>) => utf8(JSON.stringify({ [tag]: fields }));
const nowIso = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

async function signedObject(tag: string, fields: Record<string, unknown>, signer: KeyRecord, encryptTo?: KeyRecord, header: Record<string, unknown> = {}): Promise<EnvelopeJson> {
  const env = await createEnvelope(tagged(tag, fields), {
    signers: [signerOf(signer)],
    ...(encryptTo ? { recipients: [recipientOf(encryptTo)] } : {}),
    contentMeta: { MessageType: tag },
    header,
  });
  return toEnvelopeJson(env);
}

/** Opens an encrypted object; with `signedBy` requires that key's signature. */
async function openObject(json: unknown, tag: string, key: KeyRecord, signedBy?: KeyRecord): Promise<Record<string, unknown>> {
  const env = envelopeFromJson(json);
  const opened = await openEnvelope(env, {
    keys: [decrypterOf(key)],
    ...(signedBy ? { verifyKeys: (kid) => (kid === signedBy.kid ? { crv: signedBy.crv, public: publicOf(signedBy) } : undefined), requireSignature: true } : {}),
  });
  const v = parseJsonText(opened.payload);
  if (!isPlainObject(v) || !isPlainObject(v[tag])) throw new MeshError('malformed', `expected a ${tag}`);
  return v[tag] as Record<string, unknown>;
}

// ------------------------------------------------------------------ device side (§4.1-4.2, §6.3)

export interface ConnectionRequest {
  envelope: EnvelopeJson;
  clientNonce: Uint8Array;
  messageId: string;
}

/** The device's RequestConnection (unsigned envelope; PIN proof when a PIN is given). */
export async function buildConnectionRequest(profileDevice: EnvelopeJson, account: string, pin?: string): Promise<ConnectionRequest> {
  const clientNonce = randomBytes(16);
  const messageId = udfNonce();
  const fields: Record<string, unknown> = { MessageId: messageId, AccountAddress: account, AuthenticatedData: profileDevice, ClientNonce: toBase64Url(clientNonce) };
  if (pin) {
    const salted = saltPin(pin);
    const pd = checkPayloadDigest(envelopeFromJson(profileDevice));
    fields.PinId = pinId(salted, account);
    fields.PinWitness = toBase64Url(pinWitness(salted, account, clientNonce, pd));
  }
  const env = await createEnvelope(tagged('RequestConnection', fields), { digest: true, contentMeta: { MessageType: 'RequestConnection' }, header: { EnvelopeId: makeId(messageId, ENVELOPE_ID_TYPE) } });
  return { envelope: toEnvelopeJson(env), clientNonce, messageId };
}

/** What the device keeps while it waits for the administrator (persist it: polling may restart). */
export interface PendingConnection {
  address: string;
  serviceUrl?: string;
  serviceUdf?: string;
  accountUdf: string;
  profileUser: EnvelopeJson;
  /** The verification code shown on both devices. */
  witness: string;
  responseId: string;
  started: string;
}

/**
 * Checks the ConnectResponse: the account profile verifies, the acknowledgement carries our request,
 * and the witness recomputes from both profile UDFs and both nonces (connect.md §4.1 step 3).
 */
export function checkAcknowledgement(ack: EnvelopeJson, profileAccount: EnvelopeJson, request: ConnectionRequest, deviceUdfBytes: Uint8Array, address: string): PendingConnection {
  const user = readProfileUser(profileAccount);
  const a = readObject(ack, 'AcknowledgeConnection').fields;
  const echoed = a.EnvelopedRequestConnection;
  if (!Array.isArray(echoed) || echoed[1] !== request.envelope[1]) throw new MeshError('auth', 'the service acknowledged a different connection request');
  const serverNonce = fromBase64Url(String(a.ServerNonce ?? ''));
  const witness = connectionWitness(user.udfBytes, serverNonce, deviceUdfBytes, request.clientNonce);
  if (a.Witness !== witness) throw new MeshError('auth', 'the verification code from the service does not match the one computed here');
  return { address, accountUdf: user.udf, profileUser: profileAccount, witness, responseId: makeId(witness, RESPONSE_ID_TYPE), started: nowIso() };
}

export type ConnectionResult = 'Accept' | 'Reject' | 'Pending' | 'Expired' | 'AccountUnknown' | 'PinInvalid';

const RESULT_TEXT: Record<string, string> = {
  Reject: 'the administrator rejected this device',
  Expired: 'the PIN has expired',
  AccountUnknown: 'the account is unknown',
  PinInvalid: 'the PIN is wrong or was already used',
};

/**
 * The device's completion procedure (connect.md §6.3): decrypts RespondConnection with the base
 * key, checks every admin signature against the pinned account profile, combines the keys and
 * checks them against the admin-signed connections; returns the account binding to persist.
 */
export async function completeConnection(device: { seed: string; profile: EnvelopeJson }, pending: PendingConnection, respond: EnvelopeJson): Promise<AccountBinding | { pending: true }> {
  const dev = readProfileDevice(device.profile);
  const base = deviceBaseKeys(device.seed);
  const rc = await openObject(respond, 'RespondConnection', base.encrypt);
  if (rc.MessageId !== pending.responseId) throw new MeshError('auth', 'the connection response answers another request');
  const result = String(rc.Result ?? '');
  if (result === 'Pending') return { pending: true };
  if (result !== 'Accept') throw new MeshError('auth', `connection refused: ${RESULT_TEXT[result] ?? result}`);
  const cd = rc.CatalogedDevice as Record<string, unknown> | undefined;
  if (!isPlainObject(cd)) throw new MeshError('malformed', 'accepted response has no CatalogedDevice');
  const binding = await installCatalogedDevice(cd, dev, base, pending.accountUdf);
  return { ...binding, address: pending.address, serviceUrl: pending.serviceUrl, serviceUdf: pending.serviceUdf };
}

/**
 * Re-configuration (connect.md §7): the administrator wrote a new CatalogedDevice for this device;
 * the copy from Status is encrypted to the device's base key and signed by the administrator. The
 * activation part of §6.3 runs again against the pinned account profile.
 */
export async function reinstallDevice(device: { seed: string; profile: EnvelopeJson }, account: AccountBinding, enveloped: EnvelopeJson): Promise<AccountBinding> {
  const base = deviceBaseKeys(device.seed);
  const user = readProfileUser(account.profileUser);
  const cd = await openObject(enveloped, 'CatalogedDevice', base.encrypt, user.adminSignature);
  const b = await installCatalogedDevice(cd, readProfileDevice(device.profile), base, account.accountUdf);
  return { ...account, ...b, address: account.address };
}

function deviceBaseKeys(seed: string) {
  const s = parseKeySeed(seed);
  return {
    encrypt: keyRecord(deriveKeyPair(s, 'BaseDeviceEncrypt', 'X448')),
    sign: keyRecord(deriveKeyPair(s, 'BaseDeviceSign', 'Ed448')),
    authenticate: keyRecord(deriveKeyPair(s, 'BaseDeviceAuthenticate', 'X448')),
  };
}

const OPS = [
  ['Encrypt', 'X448', 'encrypt', 'Encryption'],
  ['Sign', 'Ed448', 'sign', 'Signature'],
  ['Authenticate', 'X448', 'authenticate', 'Authentication'],
] as const;

/** Checks and installs a CatalogedDevice addressed to this device (also used on re-configuration). */
export async function installCatalogedDevice(cd: Record<string, unknown>, dev: ProfileDeviceView, base: ReturnType<typeof deviceBaseKeys>, accountUdf: string): Promise<Omit<AccountBinding, 'address'>> {
  if (cd.DeviceUdf !== dev.udf) throw new MeshError('auth', 'the connection was made for another device');
  const user = readProfileUser(cd.EnvelopedProfileUser);
  if (user.udf !== accountUdf) throw new MeshError('auth', `the account profile ${user.udf} is not the one confirmed (${accountUdf})`);
  const admin = user.adminSignature;
  const aa = await openObject(cd.EnvelopedActivationAccount, 'ActivationAccount', base.encrypt, admin);
  const activation = parseKeySeed(String(aa.ActivationKey ?? ''));
  const combined = {} as Record<'encrypt' | 'sign' | 'authenticate', KeyRecord>;
  for (const [op, crv, name] of OPS) {
    const a = deriveKeyPair(activation, 'ActivationDevice' + op, crv);
    combined[name] = keyRecord(combinePrivate(privateOf(base[name]), a.privateKey));
  }
  const cdev = readSignedBy(cd.EnvelopedConnectionDevice, { crv: admin.crv, public: publicOf(admin) }, 'ConnectionDevice').fields;
  for (const [, , name, field] of OPS) {
    if (readKeyRecord(cdev[field]).public !== combined[name].public) throw new MeshError('auth', `the ${field} key of the connection does not match this device's combined key`);
  }
  const cs = readSignedBy(cd.EnvelopedConnectionService, { crv: admin.crv, public: publicOf(admin) }, 'ConnectionService').fields;
  if (cs.ProfileUdf !== user.udf) throw new MeshError('auth', 'the service connection names another account');
  if (readKeyRecord(cs.Authentication).public !== combined.authenticate.public) throw new MeshError('auth', 'the service connection names another authentication key');
  const ac = await openObject(cd.EnvelopedActivationCommon, 'ActivationCommon', combined.encrypt, admin);
  const stores: Record<string, KeyRecord> = {};
  for (const e of Array.isArray(ac.Entries) ? ac.Entries : []) {
    if (isPlainObject(e) && typeof e.Resource === 'string') stores[e.Resource] = readKeyRecord(e.Key);
  }
  const opt = (v: unknown) => (v === undefined ? undefined : readKeyRecord(v));
  const roles = Array.isArray(cdev.Roles) ? cdev.Roles.filter((r): r is string => typeof r === 'string') : [];
  const adminSig = opt(ac.AdministratorSignature);
  return {
    accountUdf: user.udf,
    profileUser: cd.EnvelopedProfileUser as EnvelopeJson,
    connectionService: cd.EnvelopedConnectionService as EnvelopeJson,
    roles,
    keys: {
      authentication: combined.authenticate,
      encryption: combined.encrypt,
      signature: combined.sign,
      commonSignature: opt(ac.Signature),
      commonEncryption: opt(ac.Encryption),
      commonAuthentication: opt(ac.Authentication),
      adminSignature: adminSig?.private ? adminSig : admin,
      stores,
    },
  };
}

// ------------------------------------------------------------------ administrator side (§6.1-6.2)

/** Catalog stores granted per role (connect.md §6.2; MeshPass admins also get Access and Device). */
const ROLE_STORES: Record<string, string[]> = {
  device: ['Network', 'Application'],
  message: ['Contact', 'Publication', 'Network', 'Application'],
  web: ['Credential', 'Task', 'Bookmark', 'Contact', 'Publication', 'Network', 'Application'],
  admin: ['Credential', 'Task', 'Bookmark', 'Contact', 'Publication', 'Network', 'Application', 'Device', 'Access'],
};
ROLE_STORES.developer = ROLE_STORES.web;

export const KNOWN_ROLES = Object.keys(ROLE_STORES);

/** Every catalog an administrator creates for a new account. */
export const ACCOUNT_STORES = ROLE_STORES.admin;

export interface AdminContext {
  /** The account profile secret seed (admins hold it, decision: CLI is an admin device). */
  accountSeed: string;
  profileUser: EnvelopeJson;
  /** Service key the Access catalog is also encrypted to. */
  accessEncrypt?: KeyRecord;
}

export interface AcceptedDevice {
  /** Device catalog entry fields (UniqueId = DeviceUdf). */
  catalogedDevice: Record<string, unknown>;
  /** Access catalog entry fields (UniqueId = capability Id). */
  access: Record<string, unknown>;
  capabilityId: string;
  deviceUdf: string;
}

function accountKeys(seed: string) {
  const s = parseKeySeed(seed);
  const k = (name: string, crv: 'X448' | 'Ed448') => keyRecord(deriveKeyPair(s, name, crv));
  return {
    adminSign: k('CompleteAccountAdminSign', 'Ed448'),
    encrypt: k('CompleteAccountEncrypt', 'X448'),
    authenticate: k('CompleteAccountAuthenticate', 'X448'),
    sign: k('CompleteAccountSign', 'Ed448'),
    store: (store: string) => k('CompleteAccountEncrypt' + store, 'X448'),
  };
}

/** CatalogedDeviceDigest: Base32 of 0x60 ‖ PayloadDigest, 128 bits (connect.md §6.1). */
export function catalogedDeviceDigest(env: EnvelopeJson): string {
  return base32Present(concat(Uint8Array.of(0x60), checkPayloadDigest(envelopeFromJson(env))), 128);
}

/** Builds everything the administrator writes to accept a device with `roles` (connect.md §6.1). */
export async function acceptDevice(ctx: AdminContext, profileDevice: EnvelopeJson, roles: string[], description?: string): Promise<AcceptedDevice> {
  for (const r of roles) if (!ROLE_STORES[r]) throw new MeshError('malformed', `unknown role ${r} (known: ${KNOWN_ROLES.join(', ')})`);
  const dev = readProfileDevice(profileDevice);
  const user = readProfileUser(ctx.profileUser);
  const ak = accountKeys(ctx.accountSeed);
  if (ak.adminSign.public !== user.adminSignature.public) throw new MeshError('auth', 'the account seed does not match the account profile');
  const activation = presentKeySeed(generateKeySeed(SeedSpecifier.DeviceActivation));
  const pub: Record<string, KeyRecord> = {};
  for (const [op, crv, name, field] of OPS) {
    const a = deriveKeyPair(activation, 'ActivationDevice' + op, crv);
    const devKey = dev[field.toLowerCase() as 'encryption' | 'signature' | 'authentication'];
    const sum = combinePublic(crv, publicOf(devKey), a.publicKey);
    pub[name] = { crv, public: toBase64Url(sum), kid: keyId(crv, sum) };
  }
  const admin = ak.adminSign;
  const activationAccount = await signedObject('ActivationAccount', { AccountUdf: user.udf, ActivationKey: activation }, admin, dev.encryption);
  const connectionService = await signedObject('ConnectionService', { ProfileUdf: user.udf, Authentication: keyData(pub.authenticate) }, admin);
  const connectionDevice = await signedObject('ConnectionDevice', {
    ProfileUdf: user.udf, Authentication: keyData(pub.authenticate), Roles: roles, Signature: keyData(pub.sign), Encryption: keyData(pub.encrypt),
  }, admin);
  const stores = [...new Set(roles.flatMap((r) => ROLE_STORES[r]))];
  const common: Record<string, unknown> = {
    Encryption: keyData(ak.encrypt, true),
    Authentication: keyData(ak.authenticate, true),
    Signature: keyData(ak.sign, true),
  };
  if (roles.includes('admin')) common.AdministratorSignature = keyData(ak.adminSign, true);
  common.Entries = stores.map((s) => ({ Resource: s, Key: keyData(ak.store(s), true) }));
  const activationCommon = await signedObject('ActivationCommon', common, admin, pub.encrypt);
  const catalogedDevice: Record<string, unknown> = {
    Updated: nowIso(),
    Udf: pub.sign.kid,
    DeviceUdf: dev.udf,
    EnvelopedProfileUser: ctx.profileUser,
    EnvelopedProfileDevice: profileDevice,
    EnvelopedConnectionService: connectionService,
    EnvelopedConnectionDevice: connectionDevice,
    EnvelopedActivationAccount: activationAccount,
    EnvelopedActivationCommon: activationCommon,
  };
  const desc = description ?? dev.description;
  if (desc) catalogedDevice.DeviceDescription = { Name: desc };
  const enveloped = await signedObject('CatalogedDevice', catalogedDevice, admin, dev.encryption);
  const capabilityId = pub.authenticate.kid;
  const access = {
    Capability: {
      AccessCapability: { Id: capabilityId, Active: true, Rights: roles, EnvelopedCatalogedDevice: enveloped, CatalogedDeviceDigest: catalogedDeviceDigest(enveloped) },
    },
  };
  return { catalogedDevice, access, capabilityId, deviceUdf: dev.udf };
}

/** The RespondConnection for a request (encrypted to the device's base key, stored in Local). */
export async function respondConnection(profileDevice: EnvelopeJson, responseId: string, result: ConnectionResult, catalogedDevice?: Record<string, unknown>): Promise<EnvelopeJson> {
  const dev = readProfileDevice(profileDevice);
  const fields: Record<string, unknown> = { MessageId: responseId, Result: result };
  if (catalogedDevice) fields.CatalogedDevice = catalogedDevice;
  const env = await createEnvelope(tagged('RespondConnection', fields), {
    recipients: [recipientOf(dev.encryption)],
    digest: true,
    contentMeta: { MessageType: 'RespondConnection' },
    header: { EnvelopeId: makeId(responseId, ENVELOPE_ID_TYPE) },
  });
  return toEnvelopeJson(env);
}

/** A MessageComplete closing messages (spool state change, protocol.md §5.1). */
export async function messageComplete(refs: { messageId: string; responseId?: string; relationship: string }[]): Promise<EnvelopeJson> {
  const messageId = udfNonce();
  const fields = { MessageId: messageId, References: refs.map((r) => ({ MessageId: r.messageId, ...(r.responseId ? { ResponseId: r.responseId } : {}), Relationship: r.relationship })) };
  const env = await createEnvelope(tagged('MessageComplete', fields), { digest: true, contentMeta: { MessageType: 'MessageComplete' }, header: { EnvelopeId: makeId(messageId, ENVELOPE_ID_TYPE) } });
  return toEnvelopeJson(env);
}

/** A MessagePin registering a PIN in Local, encrypted to the account encryption key (§4.2 step 1). */
export async function pinMessage(ctx: AdminContext, address: string, pin: string, opts: { expires: Date; roles: string[]; automatic?: boolean }): Promise<{ envelope: EnvelopeJson; pinId: string }> {
  const user = readProfileUser(ctx.profileUser);
  const salted = saltPin(pin);
  const id = pinId(salted, address);
  const fields = { MessageId: id, Account: address, Expires: nowIso(opts.expires), Automatic: opts.automatic ?? true, SaltedPin: salted, Action: 'Device', Roles: opts.roles };
  const env = await createEnvelope(tagged('MessagePin', fields), {
    recipients: [recipientOf(user.commonEncryption)],
    digest: true,
    contentMeta: { MessageType: 'MessagePin' },
    header: { EnvelopeId: makeId(id, ENVELOPE_ID_TYPE) },
  });
  return { envelope: toEnvelopeJson(env), pinId: id };
}

// ------------------------------------------------------------------ reading the spools (admin)

export interface ConnectionRequestView {
  /** The request id shown to the user: the witness (= AcknowledgeConnection.MessageId). */
  id: string;
  witness: string;
  deviceUdf: string;
  description?: string;
  profileDevice: EnvelopeJson;
  pinId?: string;
  pinWitness?: string;
  clientNonce: Uint8Array;
  payloadDigest: Uint8Array;
  responseId: string;
  received?: string;
}

export interface PinRecord {
  pinId: string;
  saltedPin: string;
  expires: string;
  roles: string[];
  automatic: boolean;
  closed: boolean;
}

/** What the administrator learns from Inbound and Local: open requests and issued PINs. */
export interface SpoolView {
  requests: ConnectionRequestView[];
  pins: Map<string, PinRecord>;
}

function messageOf(env: EnvelopeJson): { tag: string; fields: Record<string, unknown> } | undefined {
  try {
    const e = envelopeFromJson(env);
    if (e.header.enc !== undefined && e.header.enc !== 'none') return undefined;
    const v = JSON.parse(fromUtf8(e.body)) as unknown;
    if (!isPlainObject(v)) return undefined;
    const [tag] = Object.keys(v);
    return isPlainObject(v[tag]) ? { tag, fields: v[tag] as Record<string, unknown> } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the spools: AcknowledgeConnection messages in Inbound not closed by a MessageComplete, with
 * the witness recomputed from the administrator's own copy of the account UDF (never the service's);
 * MessagePin records in Local (decrypted with the account encryption key) and their closures.
 */
export async function readSpools(ctx: AdminContext, inbound: EnvelopeJson[], local: EnvelopeJson[]): Promise<SpoolView> {
  const user = readProfileUser(ctx.profileUser);
  const enc = accountKeys(ctx.accountSeed).encrypt;
  const closed = new Set<string>();
  for (const env of [...inbound, ...local]) {
    const m = messageOf(env);
    if (m?.tag !== 'MessageComplete') continue;
    for (const r of Array.isArray(m.fields.References) ? m.fields.References : []) if (isPlainObject(r) && typeof r.MessageId === 'string') closed.add(r.MessageId);
  }
  const requests: ConnectionRequestView[] = [];
  for (const env of inbound) {
    const m = messageOf(env);
    if (m?.tag !== 'AcknowledgeConnection') continue;
    try {
      const rcObj = readObject(m.fields.EnvelopedRequestConnection, 'RequestConnection');
      const rc = rcObj.fields;
      const profileDevice = rc.AuthenticatedData as EnvelopeJson;
      const dev = readProfileDevice(profileDevice);
      const clientNonce = fromBase64Url(String(rc.ClientNonce));
      const witness = connectionWitness(user.udfBytes, fromBase64Url(String(m.fields.ServerNonce)), dev.profile.udfBytes, clientNonce);
      if (witness !== m.fields.Witness || closed.has(witness)) continue;
      requests.push({
        id: witness, witness, deviceUdf: dev.udf, description: dev.description, profileDevice,
        pinId: typeof rc.PinId === 'string' ? rc.PinId : undefined,
        pinWitness: typeof rc.PinWitness === 'string' ? rc.PinWitness : undefined,
        clientNonce, payloadDigest: checkPayloadDigest(envelopeFromJson(profileDevice)),
        responseId: makeId(witness, RESPONSE_ID_TYPE),
        received: envelopeFromJson(env).header.Received,
      });
    } catch {
      // a malformed or forged request is not shown
    }
  }
  const pins = new Map<string, PinRecord>();
  for (const env of local) {
    const e = envelopeFromJson(env);
    if (!e.header.recipients) continue;
    try {
      if (contentMeta(e.header)?.MessageType !== 'MessagePin') continue;
    } catch {
      continue;
    }
    try {
      const p = await openObject(env, 'MessagePin', enc);
      const id = String(p.MessageId);
      pins.set(id, {
        pinId: id, saltedPin: String(p.SaltedPin), expires: String(p.Expires), automatic: p.Automatic === true,
        roles: Array.isArray(p.Roles) ? p.Roles.filter((r): r is string => typeof r === 'string') : ['web'], closed: closed.has(id),
      });
    } catch {
      // not a MessagePin for us
    }
  }
  return { requests, pins };
}

/** Checks a request's PIN proof (connect.md §4.2 step 3): 'ok', or the RespondConnection result to send. */
export function checkPin(req: ConnectionRequestView, pins: Map<string, PinRecord>, address: string, now = new Date()): { result: 'ok'; pin: PinRecord } | { result: ConnectionResult } {
  const pin = req.pinId ? pins.get(req.pinId) : undefined;
  if (!pin || pin.closed || !req.pinWitness) return { result: 'PinInvalid' };
  if (Date.parse(pin.expires) < now.getTime()) return { result: 'Expired' };
  const expected = pinWitness(pin.saltedPin, address, req.clientNonce, req.payloadDigest);
  if (!equal(expected, fromBase64Url(req.pinWitness))) return { result: 'PinInvalid' };
  return { result: 'ok', pin };
}

