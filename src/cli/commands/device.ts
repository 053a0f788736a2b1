// mesh device pin | request | complete | pending | accept | reject | list | remove
import { hostname } from 'node:os';
import { CliError, intOption, option, requirePositional, type Command, type CliContext, type ParsedArgs } from '../framework.ts';
import { cliClientOptions, hasDevice, loadDevice, loadPendingConnection, saveDevice, savePendingConnection, syncAll } from '../home.ts';
import { acceptRequest, findRequest, issuePin, listDevices, pollConnection, rejectRequest, removeDevice, startConnection } from '../../mesh/connect-flow.ts';
import { parseConnectUri, KNOWN_ROLES } from '../../mesh/connect.ts';
import { createDeviceProfile } from '../../mesh/profile.ts';
import { DEVICE_STATE_VERSION, type DeviceState } from '../../mesh/device.ts';
import { MeshError } from '../../mesh/errors.ts';

function roles(args: ParsedArgs): string[] {
  const r = (option(args, 'roles') ?? 'web').split(',').map((x) => x.trim()).filter(Boolean);
  for (const x of r) if (!KNOWN_ROLES.includes(x)) throw new CliError(`unknown role ${x} (known: ${KNOWN_ROLES.join(', ')})`);
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls Complete until connected, refused or the timeout (connect.md §6.3: 5 s backing off to 30 s). */
async function waitForCompletion(ctx: CliContext, state: DeviceState, timeoutS: number, intervalMs: number): Promise<DeviceState> {
  const pending = loadPendingConnection(ctx.home);
  if (!pending) throw new CliError('no connection request in progress (mesh device request ADDRESS)');
  const deadline = Date.now() + timeoutS * 1000;
  let wait = intervalMs;
  for (;;) {
    let next: DeviceState | undefined;
    try {
      next = await pollConnection(state, pending, { client: cliClientOptions });
    } catch (e) {
      if (e instanceof MeshError && e.code === 'auth') savePendingConnection(ctx.home, undefined);
      throw e;
    }
    if (next) {
      saveDevice(ctx.home, next);
      savePendingConnection(ctx.home, undefined);
      return next;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new CliError(`not connected yet (verification code ${pending.witness}); run mesh device complete to keep waiting`, 3);
    await sleep(Math.min(wait, left));
    wait = Math.min(Math.round(wait * 1.25), 30_000);
  }
}

function connectedResult(state: DeviceState, witness: string) {
  const a = state.account!;
  return { status: 'connected', address: a.address, accountUdf: a.accountUdf, deviceUdf: state.device.udf, roles: a.roles, witness };
}

export const commands: Command[] = [
  {
    path: ['device', 'pin'],
    usage: 'mesh device pin [--roles web] [--minutes N]',
    summary: 'issue a one-time PIN that connects a new device without further approval',
    valueOptions: ['roles', 'minutes'],
    async run(args, ctx) {
      const { session } = await syncAll(ctx.home);
      return issuePin(session, { roles: roles(args), validMinutes: intOption(args, 'minutes', 24 * 60, 1, 30 * 24 * 60) });
    },
    human: (r) => {
      const x = r as { pin: string; expires: string; uri: string };
      return `PIN ${x.pin}  (valid until ${x.expires})\nOn the new device: mesh device request ADDRESS --pin ${x.pin}   or   ${x.uri}`;
    },
  },
  {
    path: ['device', 'request'],
    usage: 'mesh device request ADDRESS|URI [--pin PIN] [--service URL] [--account-udf UDF] [--timeout SECONDS] [--no-wait]',
    summary: 'ask to connect this (new) device to an account; shows the verification code and waits',
    valueOptions: ['pin', 'service', 'timeout', 'description', 'interval-ms', 'account-udf'],
    async run(args, ctx) {
      let address = requirePositional(args, 0, 'ADDRESS');
      let pin = option(args, 'pin');
      let expectedAccountUdf = option(args, 'account-udf');
      const uri = parseConnectUri(address);
      if (uri) {
        address = uri.account;
        pin = uri.pin;
        expectedAccountUdf ??= uri.accountUdf;
      }
      address = address.toLowerCase();
      let state: DeviceState;
      if (hasDevice(ctx.home)) state = loadDevice(ctx.home);
      else {
        const description = option(args, 'description') ?? `mesh CLI on ${hostname()}`;
        const d = await createDeviceProfile({ description });
        state = { version: DEVICE_STATE_VERSION, device: { seed: d.seed, profile: d.envelope, udf: d.udf, description } };
        saveDevice(ctx.home, state);
      }
      const pending = await startConnection(state, address, { serviceUrl: option(args, 'service'), pin: pin?.toUpperCase(), expectedAccountUdf, client: cliClientOptions });
      savePendingConnection(ctx.home, pending);
      ctx.info(`Verification code: ${pending.witness}`);
      ctx.info(`Account profile:   ${pending.accountUdf}  (compare with the administration device)`);
      if (args.options.wait === false) return { status: 'pending', address, witness: pending.witness, accountUdf: pending.accountUdf, deviceUdf: state.device.udf };
      ctx.info(pin ? 'Waiting for an administration device to process the PIN…' : 'Waiting for approval (on the admin device: mesh device pending / mesh device accept ID)…');
      const next = await waitForCompletion(ctx, state, intOption(args, 'timeout', 900, 1, 86_400), intOption(args, 'interval-ms', 5000, 50, 60_000));
      return connectedResult(next, pending.witness);
    },
    human: (r) => {
      const x = r as { status: string; address: string; witness: string };
      return x.status === 'connected' ? `Connected to ${x.address}.` : `Request sent; verification code ${x.witness}. Run mesh device complete after approval.`;
    },
  },
  {
    path: ['device', 'complete'],
    usage: 'mesh device complete [--timeout SECONDS]',
    summary: 'keep waiting for a connection request made with mesh device request',
    valueOptions: ['timeout', 'interval-ms'],
    async run(args, ctx) {
      const state = loadDevice(ctx.home);
      const pending = loadPendingConnection(ctx.home);
      const next = await waitForCompletion(ctx, state, intOption(args, 'timeout', 900, 1, 86_400), intOption(args, 'interval-ms', 5000, 50, 60_000));
      return connectedResult(next, pending?.witness ?? '');
    },
    human: (r) => `Connected to ${(r as { address: string }).address}.`,
  },
  {
    path: ['device', 'pending'],
    usage: 'mesh device pending',
    summary: 'list connection requests waiting for approval, with their verification codes',
    async run(_args, ctx) {
      const { connections } = await syncAll(ctx.home);
      if (!connections) throw new CliError('only an administration device sees connection requests');
      return {
        requests: connections.pending.map((r) => ({ id: r.id, witness: r.witness, deviceUdf: r.deviceUdf, description: r.description ?? null, pin: !!r.pinId, received: r.received ?? null })),
        connectedByPin: connections.accepted,
      };
    },
    human: (r) => {
      const x = r as { requests: { id: string; deviceUdf: string; description: string | null }[] };
      if (!x.requests.length) return 'No pending connection requests.';
      return ['Pending requests (id = verification code):', ...x.requests.map((q) => `  ${q.id}  device ${q.deviceUdf}${q.description ? `  "${q.description}"` : ''}`)].join('\n');
    },
  },
  {
    path: ['device', 'accept'],
    usage: 'mesh device accept ID [--roles web]',
    summary: 'accept a connection request (ID: its verification code)',
    valueOptions: ['roles'],
    async run(args, ctx) {
      const id = requirePositional(args, 0, 'ID');
      const { session } = await syncAll(ctx.home);
      const req = await findRequest(session, id);
      const deviceUdf = await acceptRequest(session, req, roles(args));
      return { accepted: deviceUdf, witness: req.witness, roles: roles(args) };
    },
    human: (r) => `Device ${(r as { accepted: string }).accepted} connected.`,
  },
  {
    path: ['device', 'reject'],
    usage: 'mesh device reject ID',
    summary: 'reject a connection request',
    async run(args, ctx) {
      const id = requirePositional(args, 0, 'ID');
      const { session } = await syncAll(ctx.home);
      const req = await findRequest(session, id);
      await rejectRequest(session, req);
      return { rejected: req.deviceUdf, witness: req.witness };
    },
    human: (r) => `Request from ${(r as { rejected: string }).rejected} rejected.`,
  },
  {
    path: ['device', 'list'],
    usage: 'mesh device list',
    summary: 'list the devices connected to the account',
    async run(_args, ctx) {
      const { session } = await syncAll(ctx.home);
      if (!session.replicas.has('Device')) throw new CliError('only an administration device can list devices');
      return { devices: listDevices(session).map((d) => ({ ...d, self: d.id === session.state.device.udf })) };
    },
    human: (r) => {
      const x = r as { devices: { id: string; description?: string; roles: string[]; active: boolean; self: boolean }[] };
      return x.devices.map((d) => `  ${d.id}  ${d.roles.join(',').padEnd(10)} ${d.active ? 'active ' : 'removed'} ${d.description ?? ''}${d.self ? ' (this device)' : ''}`).join('\n');
    },
  },
  {
    path: ['device', 'remove'],
    usage: 'mesh device remove ID',
    summary: 'remove a device from the account (it can no longer sync)',
    async run(args, ctx) {
      const id = requirePositional(args, 0, 'ID');
      const { session } = await syncAll(ctx.home);
      const d = await removeDevice(session, id);
      return { removed: d.id };
    },
    human: (r) => `Device ${(r as { removed: string }).removed} removed.`,
  },
];
