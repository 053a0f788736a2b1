// mesh profile create | escrow | recover | sync
import { CliError, intOption, option, type Command } from '../framework.ts';
import { cliClientOptions, FileSyncLocal, hasDevice, loadDevice, saveDevice, syncAll } from '../home.ts';
import { rejoinAccount } from '../../mesh/connect-flow.ts';
import { createDeviceProfile, newAccountSeed } from '../../mesh/profile.ts';
import { accountUdfOfSeed, escrowAccountSeed, recoverAccountSeed } from '../../mesh/recovery.ts';
import { DEVICE_STATE_VERSION, type DeviceState } from '../../mesh/device.ts';
import { hostname } from 'node:os';

async function newAdminDevice(home: string, accountSeed: string, description: string): Promise<DeviceState> {
  if (hasDevice(home)) throw new CliError(`${home} already holds a Mesh device`);
  const d = await createDeviceProfile({ description });
  const state: DeviceState = { version: DEVICE_STATE_VERSION, device: { seed: d.seed, profile: d.envelope, udf: d.udf, description }, admin: { accountSeed } };
  saveDevice(home, state);
  return state;
}

export const commands: Command[] = [
  {
    path: ['profile', 'create'],
    usage: 'mesh profile create [--description TEXT]',
    summary: 'create a Mesh profile (secret) and this administration device',
    valueOptions: ['description'],
    async run(args, ctx) {
      const seed = newAccountSeed();
      const state = await newAdminDevice(ctx.home, seed, option(args, 'description') ?? `mesh CLI on ${hostname()}`);
      return { deviceUdf: state.device.udf, accountUdf: accountUdfOfSeed(seed), home: ctx.home };
    },
    human: (r) => {
      const x = r as { deviceUdf: string; accountUdf: string };
      return `Profile created.\n  account profile ${x.accountUdf}\n  this device      ${x.deviceUdf}\nNext: mesh account create ADDRESS --service URL, then mesh profile escrow.`;
    },
  },
  {
    path: ['profile', 'escrow'],
    usage: 'mesh profile escrow [--shares N] [--quorum K]',
    summary: 'split the profile secret into recovery shares (default 2 of 3)',
    valueOptions: ['shares', 'quorum'],
    async run(args, ctx) {
      const state = loadDevice(ctx.home);
      if (!state.admin) throw new CliError('only an administration device holds the profile secret');
      const shares = intOption(args, 'shares', 3, 2, 15);
      const quorum = intOption(args, 'quorum', 2, 2, shares);
      return escrowAccountSeed(state.admin.accountSeed, shares, quorum);
    },
    human: (r) => {
      const x = r as { shares: string[]; quorum: number; accountUdf: string };
      return [`Recovery shares (any ${x.quorum} restore profile ${x.accountUdf}); write them down and keep them apart:`, ...x.shares.map((s, i) => `  ${i + 1}. ${s}`)].join('\n');
    },
  },
  {
    path: ['profile', 'recover'],
    usage: 'mesh profile recover SHARE... [--account ADDRESS [--service URL]] [--description TEXT]',
    summary: 'restore the profile secret from recovery shares into a new administration device (and rejoin ADDRESS)',
    valueOptions: ['description', 'account', 'service'],
    async run(args, ctx) {
      if (args.positional.length < 2) throw new CliError('give at least two shares');
      let seed: string;
      try {
        seed = recoverAccountSeed(args.positional);
      } catch (e) {
        throw new CliError(`the shares do not combine: ${(e as Error).message}`);
      }
      const state = await newAdminDevice(ctx.home, seed, option(args, 'description') ?? `mesh CLI on ${hostname()} (recovered)`);
      const address = option(args, 'account')?.toLowerCase();
      if (!address) return { accountUdf: accountUdfOfSeed(seed), deviceUdf: state.device.udf };
      const next = await rejoinAccount(state, address, new FileSyncLocal(ctx.home), { serviceUrl: option(args, 'service'), client: cliClientOptions });
      saveDevice(ctx.home, next);
      return { accountUdf: accountUdfOfSeed(seed), deviceUdf: state.device.udf, address, rejoined: true };
    },
    human: (r) => {
      const x = r as { accountUdf: string; address?: string; rejoined?: boolean };
      if (x.rejoined) return `Profile ${x.accountUdf} recovered; this device is now an administration device of ${x.address} (mesh profile sync brings the catalogs).`;
      return `Profile ${x.accountUdf} recovered; this device holds its secret and can create the account again (mesh account create).\nTo re-join an account that still exists, recover with --account ADDRESS [--service URL] (in a new home).`;
    },
  },
  {
    path: ['profile', 'sync'],
    usage: 'mesh profile sync',
    summary: 'synchronise every catalog with the service (and answer PIN connection requests)',
    async run(_args, ctx) {
      const { report, connections, session } = await syncAll(ctx.home);
      return {
        stores: report.stores.map((s) => ({ store: s.store, index: s.index, downloaded: s.downloaded, uploaded: s.uploaded, conflicts: s.conflicts, notices: s.notices })),
        complete: report.complete,
        ...(connections ? { connected: connections.accepted, refused: connections.refused, pendingRequests: connections.pending.length } : {}),
        account: session.state.account!.address,
      };
    },
    human: (r) => {
      const x = r as { stores: { store: string; index: number; downloaded: number; uploaded: number; conflicts: number }[]; connected?: string[]; pendingRequests?: number };
      const lines = x.stores.map((s) => `  ${s.store.padEnd(11)} at ${s.index}  (+${s.downloaded} down, ${s.uploaded} up${s.conflicts ? `, ${s.conflicts} conflicts` : ''})`);
      if (x.connected?.length) lines.push(`Connected by PIN: ${x.connected.join(', ')}`);
      if (x.pendingRequests) lines.push(`${x.pendingRequests} connection request(s) waiting: mesh device pending`);
      return ['Synchronised.', ...lines].join('\n');
    },
  },
];
