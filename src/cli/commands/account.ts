// mesh account create ADDRESS [--service URL]
import { CliError, option, requirePositional, type Command } from '../framework.ts';
import { cliClientOptions, loadDevice, saveDevice } from '../home.ts';
import { createAccount } from '../../mesh/connect-flow.ts';

export const commands: Command[] = [
  {
    path: ['account', 'create'],
    usage: 'mesh account create ADDRESS [--service URL]',
    summary: 'create the account at a Mesh service; this device becomes its administrator',
    valueOptions: ['service'],
    async run(args, ctx) {
      const address = requirePositional(args, 0, 'ADDRESS').toLowerCase();
      if (!/^[^@\s]+@[^@\s]+$/.test(address)) throw new CliError(`${address} is not an account address (user@domain)`);
      const state = loadDevice(ctx.home);
      const next = await createAccount(state, address, { serviceUrl: option(args, 'service'), client: cliClientOptions });
      saveDevice(ctx.home, next);
      const a = next.account!;
      return { address: a.address, accountUdf: a.accountUdf, deviceUdf: next.device.udf, service: a.serviceUrl ?? null, roles: a.roles };
    },
    human: (r) => {
      const x = r as { address: string; accountUdf: string };
      return `Account ${x.address} created (profile ${x.accountUdf}). Connect other devices with: mesh device pin`;
    },
  },
];
