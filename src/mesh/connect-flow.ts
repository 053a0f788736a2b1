// The connection flows over the service (connect.md §4, §6-7), shared by the CLI and the extension:
// account creation by an administrator device, PINs, processing connection requests, device
// removal, and on the new device: request and completion.
import { MeshError } from './errors.ts';
import { MeshClient, type MeshClientOptions } from './client.ts';
import type { EnvelopeJson, StoreUpdate } from './protocol/messages.ts';
import { udfNonce as nonceUdf } from './udf.ts';
import { readObject, readProfile, readSignedBy } from './protocol/objects.ts';
import { parseKeySeed } from './keyderive.ts';
import { buildEntryFrame, buildStoreHeaderFrame } from './catalog/frame.ts';
import {
  accountKeysFromSeed, createAccountProfile, deviceKeysFromSeed, publicOf, publicRecord, readKeyRecord, readProfileDevice, recipientOf,
  signerOf, storeKeyFromSeed, keyRecord,
} from './profile.ts';
import {
  ACCOUNT_STORES, acceptDevice, connectUri, buildConnectionRequest, checkAcknowledgement, checkPin, completeConnection, installCatalogedDevice, messageComplete,
  newPin, pinMessage, readSpools, respondConnection, type AdminContext, type ConnectionRequestView, type ConnectionResult, type PendingConnection,
} from './connect.ts';
import { deriveKeyPair } from './keyderive.ts';
import { credentialOf, requireAccount, type AccountBinding, type DeviceState } from './device.ts';
import { queueEdit } from './sync.ts';
import { MeshSession } from './sync-session.ts';
import type { SyncLocal } from './sync-local.ts';
import { isPlainObject } from './dare/model.ts';
import { Ext } from './protocol/status.ts';

const nowIso = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function adminContext(state: DeviceState): AdminContext {
  const a = requireAccount(state);
  if (!state.admin) throw new MeshError('auth', 'this device is not an administration device of the account');
  return { accountSeed: state.admin.accountSeed, profileUser: a.profileUser, accessEncrypt: a.accessEncrypt };
}

/**
 * Creates the account at the service (BindAccount with the owner credential), makes this device
 * its first administrator (roles admin + web) and creates every catalog with one Transact, the
 * Access catalog holding this device's capability from its first frame (protocol.md §4.2 bootstrap).
 */
export async function createAccount(state: DeviceState, address: string, opts: { serviceUrl?: string; client?: Partial<MeshClientOptions> } = {}): Promise<DeviceState> {
  if (!state.admin) throw new MeshError('not-found', 'create a profile first (mesh profile create)');
  if (state.account) throw new MeshError('malformed', `this device is already connected to ${state.account.address}`);
  const seed = state.admin.accountSeed;
  const user = await createAccountProfile(seed, address);
  const client = new MeshClient({ accountAddress: address, serviceUrl: opts.serviceUrl, ...opts.client });
  const info = await client.hello();
  const ak = accountKeysFromSeed(seed);
  const owner = credentialOf(user.envelope, ak.authenticate);
  const bound = await client.bindAccount(user.envelope, { credential: owner });
  if (!bound.accessEncrypt) throw new MeshError('protocol', 'the service did not say which key the Access catalog is encrypted to');
  const accessEncrypt = publicRecord(bound.accessEncrypt.crv as 'X448', bound.accessEncrypt.public);
  const ctx: AdminContext = { accountSeed: seed, profileUser: user.envelope, accessEncrypt };
  const accepted = await acceptDevice(ctx, state.device.profile, ['admin', 'web'], state.device.description);
  const binding = await installOwnDevice(state, accepted.catalogedDevice, user.udf);
  const account: AccountBinding = { ...binding, address, serviceUrl: opts.serviceUrl ?? (await client.serviceUrl()), serviceUdf: info.profileUdf, accessEncrypt };
  const next: DeviceState = { ...state, account };

  const admin = signerOf(ak.adminSign);
  const updates: StoreUpdate[] = [];
  for (const store of ACCOUNT_STORES) {
    const sk = storeKeyFromSeed(seed, store);
    const envelopes: EnvelopeJson[] = [buildStoreHeaderFrame(nonceUdf(), { PublicKeyECDH: { crv: sk.crv, Public: sk.public } })];
    const first = store === 'Access' ? { uid: accepted.capabilityId, fields: accepted.access } : store === 'Device' ? { uid: accepted.deviceUdf, fields: accepted.catalogedDevice } : undefined;
    if (first) {
      envelopes.push(await buildEntryFrame(
        { store, uniqueId: first.uid, event: 'New', previous: 0, modified: nowIso(), frameId: nonceUdf(), indexHint: 1, fields: first.fields },
        { recipient: recipientOf(sk), signer: admin, extraRecipients: store === 'Access' ? [recipientOf(accessEncrypt)] : undefined },
      ));
    }
    updates.push({ Store: store, Index: 0, Envelopes: envelopes });
  }
  client.credential = credentialOf(account.connectionService, account.keys.authentication);
  await client.transact({ updates });
  return next;
}

/**
 * Re-joins an existing account with a profile secret recovered from escrow shares (no surviving
 * administrator needed): authenticates with the owner-recovery credential (the ProfileUser and its
 * EscrowEncryption key, which no device is ever given), reads Access and Device, and writes this
 * device's AccessCapability and CatalogedDevice (admin + web roles). Needs the service's recovery
 * rule (docs/connect.md); `local` receives the Access and Device replicas.
 */
export async function rejoinAccount(state: DeviceState, address: string, local: SyncLocal, opts: { serviceUrl?: string; client?: Partial<MeshClientOptions> } = {}): Promise<DeviceState> {
  if (!state.admin) throw new MeshError('not-found', 'recover the profile first (mesh profile recover)');
  if (state.account) throw new MeshError('malformed', `this device is already connected to ${state.account.address}`);
  const seed = state.admin.accountSeed;
  const user = await createAccountProfile(seed, address);
  const ak = accountKeysFromSeed(seed);
  const client = new MeshClient({ accountAddress: address, serviceUrl: opts.serviceUrl, credential: credentialOf(user.envelope, ak.escrow), ...opts.client });
  const info = await client.hello();
  const st = await client.status(['Access', 'Device']);
  const aha = (st as { EnvelopedAccountHostAssignment?: EnvelopeJson }).EnvelopedAccountHostAssignment;
  if (!aha || !info.signature) throw new MeshError('protocol', 'the service did not say which key the Access catalog is encrypted to');
  const assignment = readSignedBy(aha, info.signature, 'AccountHostAssignment');
  const access = readKeyRecord(assignment.fields.AccessEncrypt);
  const accessEncrypt = publicRecord(access.crv, publicOf(access));
  const ctx: AdminContext = { accountSeed: seed, profileUser: user.envelope, accessEncrypt };
  const accepted = await acceptDevice(ctx, state.device.profile, ['admin', 'web'], state.device.description);
  const binding = await installOwnDevice(state, accepted.catalogedDevice, user.udf);
  const next: DeviceState = { ...state, account: { ...binding, address, serviceUrl: opts.serviceUrl ?? (await client.serviceUrl()), serviceUdf: info.profileUdf, accessEncrypt } };
  const session = await MeshSession.open(next, local, { client, stores: ['Access', 'Device'] });
  await session.sync();
  await queueEdit(local, session.replica('Access'), { uniqueId: accepted.capabilityId, event: 'New', fields: accepted.access });
  await queueEdit(local, session.replica('Device'), { uniqueId: accepted.deviceUdf, event: 'New', fields: accepted.catalogedDevice });
  const r = await session.sync();
  if (!r.complete) throw new MeshError('protocol', 'the service did not take the new device records; try again');
  return next;
}

/** Installs a CatalogedDevice this administrator made for itself. */
async function installOwnDevice(state: DeviceState, cd: Record<string, unknown>, accountUdf: string) {
  const s = parseKeySeed(state.device.seed);
  const base = {
    encrypt: keyRecord(deriveKeyPair(s, 'BaseDeviceEncrypt', 'X448')),
    sign: keyRecord(deriveKeyPair(s, 'BaseDeviceSign', 'Ed448')),
    authenticate: keyRecord(deriveKeyPair(s, 'BaseDeviceAuthenticate', 'X448')),
  };
  return installCatalogedDevice(cd, readProfileDevice(state.device.profile), base, accountUdf);
}

// ------------------------------------------------------------------ administrator: PINs and requests

export interface IssuedPin {
  pin: string;
  expires: string;
  uri: string;
  roles: string[];
}

export async function issuePin(session: MeshSession, opts: { roles?: string[]; validMinutes?: number } = {}): Promise<IssuedPin> {
  const ctx = adminContext(session.state);
  const a = requireAccount(session.state);
  const pin = newPin();
  const expires = new Date(Date.now() + (opts.validMinutes ?? 24 * 60) * 60_000);
  const roles = opts.roles ?? ['web'];
  const msg = await pinMessage(ctx, a.address, pin, { expires, roles });
  await session.client.transact({ local: [msg.envelope] });
  return { pin, expires: nowIso(expires), uri: connectUri(a.address, pin, a.accountUdf), roles };
}

async function spools(session: MeshSession) {
  const [inbound, local] = await Promise.all([session.client.download('Inbound', { fromIndex: 1 }), session.client.download('Local', { fromIndex: 1 })]);
  return readSpools(adminContext(session.state), inbound.envelopes, local.envelopes);
}

export interface ProcessReport {
  /** Requests waiting for the administrator (no PIN): compare the verification code, then accept or reject. */
  pending: ConnectionRequestView[];
  accepted: string[];
  refused: { deviceUdf: string; result: ConnectionResult }[];
}

/** Reads the spools and answers every PIN request at once (automatic PINs, connect.md §4.2 step 3). */
export async function processConnections(session: MeshSession): Promise<ProcessReport> {
  const view = await spools(session);
  const report: ProcessReport = { pending: [], accepted: [], refused: [] };
  const address = requireAccount(session.state).address;
  for (const req of view.requests) {
    if (!req.pinId) {
      report.pending.push(req);
      continue;
    }
    const check = checkPin(req, view.pins, address);
    if (check.result === 'ok' && check.pin.automatic) {
      await acceptRequest(session, req, check.pin.roles, check.pin.pinId);
      view.pins.set(check.pin.pinId, { ...check.pin, closed: true });
      report.accepted.push(req.deviceUdf);
    } else if (check.result === 'ok') {
      report.pending.push(req);
    } else {
      await answer(session, req, check.result);
      report.refused.push({ deviceUdf: req.deviceUdf, result: check.result });
    }
  }
  return report;
}

/** Finds an open request by its id (the verification code; dashes and case ignored, prefix allowed). */
export async function findRequest(session: MeshSession, id: string): Promise<ConnectionRequestView> {
  const want = id.replace(/-/g, '').toUpperCase();
  const view = await spools(session);
  const hits = view.requests.filter((r) => r.id.replace(/-/g, '').startsWith(want) || r.deviceUdf.replace(/-/g, '').startsWith(want));
  if (hits.length !== 1) throw new MeshError('not-found', hits.length ? `${id} matches several requests` : `no pending connection request ${id}`);
  return hits[0];
}

async function answer(session: MeshSession, req: ConnectionRequestView, result: ConnectionResult, cd?: Record<string, unknown>, pinId?: string): Promise<void> {
  const respond = await respondConnection(req.profileDevice, req.responseId, result, cd);
  const local: EnvelopeJson[] = [respond];
  if (pinId) local.push(await messageComplete([{ messageId: pinId, responseId: req.responseId, relationship: 'Closed' }]));
  const inbound = [await messageComplete([{ messageId: req.id, responseId: req.responseId, relationship: 'Closed' }])];
  await session.client.transact({ local, inbound });
}

/** Accepts a device: Access and Device entries first (one Transact), then the response. */
export async function acceptRequest(session: MeshSession, req: ConnectionRequestView, roles: string[] = ['web'], pinId?: string): Promise<string> {
  const ctx = adminContext(session.state);
  const accepted = await acceptDevice(ctx, req.profileDevice, roles);
  await session.sync(['Access', 'Device']);
  await queueEdit(session.local, session.replica('Access'), { uniqueId: accepted.capabilityId, event: 'New', fields: accepted.access });
  await queueEdit(session.local, session.replica('Device'), { uniqueId: accepted.deviceUdf, event: 'New', fields: accepted.catalogedDevice });
  const r = await session.sync(['Access', 'Device']);
  if (!r.complete || session.replica('Device').pending.length) throw new MeshError('protocol', 'the service did not take the new device records; try again');
  await answer(session, req, 'Accept', accepted.catalogedDevice, pinId);
  return accepted.deviceUdf;
}

export async function rejectRequest(session: MeshSession, req: ConnectionRequestView): Promise<void> {
  await answer(session, req, 'Reject');
}

// ------------------------------------------------------------------ administrator: devices

export interface DeviceEntry {
  id: string;
  description?: string;
  roles: string[];
  /** Fingerprint of the device's account authentication key (its AccessCapability Id). */
  authenticationKid?: string;
  active: boolean;
  updated?: string;
}

export function listDevices(session: MeshSession): DeviceEntry[] {
  const caps = new Map<string, boolean>();
  for (const r of session.replica('Access').catalog.live()) {
    const cap = r.fields?.Capability as Record<string, Record<string, unknown>> | undefined;
    const ac = cap?.AccessCapability;
    caps.set(r.uniqueId, ac?.Active === true);
  }
  return session.replica('Device').catalog.live().map((r) => {
    const f = r.fields!;
    let authKid: string | undefined;
    let roles: string[] = [];
    try {
      const c = readObject(f.EnvelopedConnectionDevice, 'ConnectionDevice').fields;
      authKid = readKeyRecord(c.Authentication).kid;
      roles = Array.isArray(c.Roles) ? (c.Roles as string[]) : [];
    } catch {
      // unreadable connection: listed without details
    }
    const desc = isPlainObject(f.DeviceDescription) && typeof f.DeviceDescription.Name === 'string' ? f.DeviceDescription.Name : undefined;
    return { id: r.uniqueId, description: desc, roles, authenticationKid: authKid, active: authKid ? caps.get(authKid) === true : false, updated: typeof f.Updated === 'string' ? f.Updated : undefined };
  });
}

/** Removes a device: its capability becomes inactive (the service refuses it) and its Device entry is deleted. */
export async function removeDevice(session: MeshSession, id: string): Promise<DeviceEntry> {
  await session.sync(['Access', 'Device']);
  const want = id.replace(/-/g, '').toUpperCase();
  const hits = listDevices(session).filter((d) => d.id.replace(/-/g, '').startsWith(want));
  if (hits.length !== 1) throw new MeshError('not-found', hits.length ? `${id} matches several devices` : `no device ${id}`);
  const dev = hits[0];
  if (dev.id === session.state.device.udf) throw new MeshError('malformed', 'this device cannot remove itself');
  if (dev.authenticationKid && session.replica('Access').catalog.get(dev.authenticationKid)) {
    await queueEdit(session.local, session.replica('Access'), {
      uniqueId: dev.authenticationKid, event: 'Update', fields: { Capability: { AccessCapability: { Id: dev.authenticationKid, Active: false, Rights: [] } } },
    });
  }
  await queueEdit(session.local, session.replica('Device'), { uniqueId: dev.id, event: 'Delete' });
  await session.sync(['Access', 'Device']);
  return { ...dev, active: false };
}

// ------------------------------------------------------------------ the new device

function deviceCredentialForConnect(state: DeviceState) {
  return credentialOf(state.device.profile, deviceKeysFromSeed(state.device.seed).authenticate);
}

/** Sends Connect and checks the acknowledgement; persist the result and show `witness`. */
export async function startConnection(state: DeviceState, address: string, opts: { serviceUrl?: string; pin?: string; expectedAccountUdf?: string; client?: Partial<MeshClientOptions> } = {}): Promise<PendingConnection> {
  if (state.account) throw new MeshError('malformed', `this device is already connected to ${state.account.address}`);
  const client = new MeshClient({ accountAddress: address, serviceUrl: opts.serviceUrl, ...opts.client });
  const info = await client.hello();
  const req = await buildConnectionRequest(state.device.profile, address, opts.pin);
  const resp = await client.connect(req.envelope, ['web'], { credential: deviceCredentialForConnect(state) }).catch((e: unknown) => {
    const d = e instanceof MeshError ? (e.detail as { statusExtended?: number } | undefined) : undefined;
    if (d?.statusExtended === Ext.NotFound) throw new MeshError('not-found', `the Mesh service has no account ${address}; check the address (and the service URL under Advanced)`, e instanceof MeshError ? e.detail : undefined);
    throw e;
  });
  if (!resp.EnvelopedAcknowledgeConnection || !resp.EnvelopedProfileAccount) throw new MeshError('protocol', 'the service did not acknowledge the connection request');
  const pending = checkAcknowledgement(resp.EnvelopedAcknowledgeConnection, resp.EnvelopedProfileAccount, req, readProfile(state.device.profile).udfBytes, address);
  if (opts.expectedAccountUdf && opts.expectedAccountUdf.replace(/-/g, '').toUpperCase() !== pending.accountUdf.replace(/-/g, '')) {
    throw new MeshError('auth', `the service answered for account profile ${pending.accountUdf}, not the expected ${opts.expectedAccountUdf}`);
  }
  return { ...pending, serviceUrl: opts.serviceUrl ?? (await client.serviceUrl()), serviceUdf: info.profileUdf };
}

/** One Complete poll: the connected state, or undefined while the administrator has not answered. */
export async function pollConnection(state: DeviceState, pending: PendingConnection, opts: { client?: Partial<MeshClientOptions> } = {}): Promise<DeviceState | undefined> {
  const client = new MeshClient({ accountAddress: pending.address, serviceUrl: pending.serviceUrl, pinnedServiceUdf: pending.serviceUdf, ...opts.client });
  const r = await client.complete(pending.responseId, { credential: deviceCredentialForConnect(state) });
  if (r.pending || !r.response.EnvelopedRespondConnection) return undefined;
  const binding = await completeConnection(state.device, pending, r.response.EnvelopedRespondConnection);
  if ('pending' in binding) return undefined;
  return { ...state, account: binding };
}

