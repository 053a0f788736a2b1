// Binds the worker to the Mesh protocol modules: F2's MeshSession (sync, device re-configuration,
// administration) and device connection over F1's client. The device's whole DeviceState is sealed
// with the device secrets (docs/sync.md: "the extension must wrap the whole object under the unlock key").
import { DEVICE_STATE_VERSION, type DeviceState } from '../mesh/device.ts';
import { acceptRequest, createAccount, findRequest, issuePin, listDevices, pollConnection, processConnections, rejectRequest, rejoinAccount, removeDevice, startConnection } from '../mesh/connect-flow.ts';
import { createDeviceProfile, newAccountSeed } from '../mesh/profile.ts';
import { accountUdfOfSeed, escrowAccountSeed, recoverAccountSeed } from '../mesh/recovery.ts';
import { MeshError } from '../mesh/errors.ts';
import { MemorySyncLocal } from '../mesh/sync-local.ts';
import { MeshSession } from '../mesh/sync-session.ts';
import { parseConnectUri, type PendingConnection } from '../mesh/connect.ts';
import type { SyncLocal } from '../mesh/sync.ts';
import type { AdminBackend, ConnectBackend, SyncBackend, SyncBackendFactory } from './remote.ts';

const POLL_MS = 2000;
const DESCRIPTION = 'MeshPass browser extension';

export const meshSyncFactory: SyncBackendFactory = (mesh, persist) => {
  const state = mesh as DeviceState;
  if (!state?.account) return undefined;
  let session: Promise<MeshSession> | undefined;
  const open = (local: SyncLocal) => (session ??= MeshSession.open(state, local, { onStateChange: (s) => persist(s) }));
  const ready = async () => {
    if (!session) throw new Error('no store opened yet');
    return session;
  };
  const admin: AdminBackend | undefined = state.admin
    ? {
        async devices() {
          const s = await ready();
          await s.sync(['Access', 'Device']);
          return listDevices(s).map((d) => ({ id: d.id, description: d.description, roles: d.roles, active: d.active, self: d.id === state.device.udf }));
        },
        async pending() {
          const r = await processConnections(await ready());
          return r.pending.map((q) => ({ id: q.id, witness: q.witness, deviceUdf: q.deviceUdf, description: q.description }));
        },
        async accept(id) {
          const s = await ready();
          await acceptRequest(s, await findRequest(s, id));
        },
        async reject(id) {
          const s = await ready();
          await rejectRequest(s, await findRequest(s, id));
        },
        async remove(id) {
          await removeDevice(await ready(), id);
        },
        async issuePin(validMinutes) {
          const p = await issuePin(await ready(), { validMinutes });
          return { pin: p.pin, expires: p.expires, uri: p.uri };
        },
      }
    : undefined;
  const backend: SyncBackend = {
    openStore: async (store, local) => (await open(local)).replica(store),
    async sync(local) {
      const s = await open(local);
      const report = await s.sync();
      // An administration browser answers PIN requests whenever it syncs (connect.md §4.2 step 3);
      // requests without a PIN wait for the user on the Devices page. A failure here never fails the sync.
      if (state.admin) await processConnections(s).catch(() => undefined);
      return { conflicts: report.stores.reduce((n, s) => n + s.conflicts, 0) };
    },
    admin,
  };
  return backend;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    const id = setTimeout(done, ms);
    signal.addEventListener('abort', () => (clearTimeout(id), done()), { once: true });
  });

async function newDevice(admin?: { accountSeed: string }): Promise<DeviceState> {
  const profile = await createDeviceProfile({ description: DESCRIPTION });
  return { version: DEVICE_STATE_VERSION, device: { seed: profile.seed, profile: profile.envelope, udf: profile.udf, description: DESCRIPTION }, ...(admin ? { admin } : {}) };
}

/**
 * The PIN as typed, or a pasted connection URI (mcd://account/PIN?udf=…, the QR code's text): its
 * account must be the address given, and its account fingerprint is then checked against the one the
 * service answers for (connect.md §8: a substituted account fails before anything is sent to it).
 */
function pinOf(req: { address: string; pin?: string }): { pin?: string; expectedAccountUdf?: string } {
  const typed = req.pin?.trim();
  if (!typed) return {};
  if (!/^mcd:/i.test(typed)) return { pin: typed.toUpperCase() };
  const uri = parseConnectUri(typed);
  if (!uri) throw new MeshError('malformed', 'that connection URI is not of the form mcd://account/PIN');
  if (uri.account !== req.address.trim().toLowerCase()) throw new MeshError('malformed', `that connection URI is for ${uri.account}, not ${req.address}`);
  return { pin: uri.pin, expectedAccountUdf: uri.accountUdf };
}

export const meshConnect: ConnectBackend = {
  async connect(req, progress, signal, checkpoint) {
    const resumed = checkpoint.saved as { state: DeviceState; pending: PendingConnection } | undefined;
    const state = resumed?.state ?? (await newDevice());
    const pending = resumed?.pending ?? (await startConnection(state, req.address, { serviceUrl: req.serviceUrl, ...pinOf(req) }));
    if (!resumed) await checkpoint.save({ state, pending });
    progress({ step: 'awaiting-approval', address: req.address, witness: pending.witness, profileUdf: pending.accountUdf });
    while (!signal.aborted) {
      const connected = await pollConnection(state, pending);
      if (connected) return { address: req.address, profileUdf: pending.accountUdf, serviceUrl: req.serviceUrl, secrets: connected };
      await sleep(POLL_MS, signal);
    }
    throw new Error('cancelled');
  },
  async create(req) {
    const accountSeed = newAccountSeed();
    const created = await createAccount(await newDevice({ accountSeed }), req.address, { serviceUrl: req.serviceUrl });
    const escrow = escrowAccountSeed(accountSeed, 3, 2);
    return { address: req.address, profileUdf: escrow.accountUdf, serviceUrl: req.serviceUrl, secrets: created, escrow: { shares: escrow.shares, quorum: escrow.quorum } };
  },
  async recover(request) {
    const req = { ...request, address: request.address.trim().toLowerCase() };
    const shares = req.shares.map((x) => x.trim()).filter(Boolean);
    if (shares.length < 2) throw new MeshError('malformed', 'enter at least two recovery shares');
    let accountSeed: string;
    try {
      accountSeed = recoverAccountSeed(shares);
    } catch (e) {
      throw new MeshError('malformed', `these recovery shares do not combine: ${e instanceof Error ? e.message : String(e)}`);
    }
    const profileUdf = accountUdfOfSeed(accountSeed);
    let joined: DeviceState;
    try {
      // Access and Device are read into memory only; the vault downloads every catalog once it is sealed.
      joined = await rejoinAccount(await newDevice({ accountSeed }), req.address, new MemorySyncLocal(), { serviceUrl: req.serviceUrl });
    } catch (e) {
      if (e instanceof MeshError && e.code === 'auth') {
        throw new MeshError('auth', `the service does not hold ${req.address} for the account these shares restore (${profileUdf}); check the address and the shares`);
      }
      throw e;
    }
    return { address: req.address, profileUdf, serviceUrl: req.serviceUrl, secrets: joined };
  },
};

export function meshBackends(): { syncFactory: SyncBackendFactory; connect: ConnectBackend } {
  return { syncFactory: meshSyncFactory, connect: meshConnect };
}
