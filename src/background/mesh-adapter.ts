// Binds the worker to the Mesh protocol modules: F2's MeshSession (sync, device re-configuration,
// administration) and device connection over F1's client. The device's whole DeviceState is sealed
// with the device secrets (docs/sync.md: "the extension must wrap the whole object under the unlock key").
import { DEVICE_STATE_VERSION, type DeviceState } from '../mesh/device.ts';
import { acceptRequest, createAccount, findRequest, issuePin, listDevices, pollConnection, processConnections, rejectRequest, removeDevice, startConnection } from '../mesh/connect-flow.ts';
import { createDeviceProfile, newAccountSeed } from '../mesh/profile.ts';
import { escrowAccountSeed } from '../mesh/recovery.ts';
import { MeshSession } from '../mesh/sync-session.ts';
import type { PendingConnection } from '../mesh/connect.ts';
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
      const report = await (await open(local)).sync();
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

export const meshConnect: ConnectBackend = {
  async connect(req, progress, signal, checkpoint) {
    const resumed = checkpoint.saved as { state: DeviceState; pending: PendingConnection } | undefined;
    const state = resumed?.state ?? (await newDevice());
    const pending = resumed?.pending ?? (await startConnection(state, req.address, { serviceUrl: req.serviceUrl, pin: req.pin }));
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
};

export function meshBackends(): { syncFactory: SyncBackendFactory; connect: ConnectBackend } {
  return { syncFactory: meshSyncFactory, connect: meshConnect };
}
