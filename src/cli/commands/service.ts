// `mesh service start`: runs the Mesh Service in this process until interrupted.
import { resolve } from 'node:path';
import { CliError, option, type Command } from '../framework.ts';
import { startService } from '../../service/server.ts';

export const commands: Command[] = [
  {
    path: ['service', 'start'],
    usage: 'mesh service start --data DIR [--port N] [--host H] [--cert F --key F]',
    summary: 'run a Mesh Service (plain HTTP only on loopback; HTTPS with --cert/--key)',
    valueOptions: ['data', 'port', 'host', 'cert', 'key'],
    async run(args, ctx) {
      const data = option(args, 'data');
      if (!data) throw new CliError('mesh service start needs --data DIR');
      const portText = option(args, 'port');
      const port = portText === undefined ? 0 : Number(portText);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be a port number');
      const cert = option(args, 'cert');
      const key = option(args, 'key');
      if (!!cert !== !!key) throw new CliError('give both --cert and --key, or neither');
      let running;
      try {
        running = await startService({
          dataDir: resolve(data),
          host: option(args, 'host') ?? '127.0.0.1',
          port,
          certFile: cert,
          keyFile: key,
          log: ctx.json ? undefined : (line) => ctx.info(`[service] ${line}`),
        });
      } catch (e) {
        throw new CliError(e instanceof Error ? e.message : String(e));
      }
      const stop = (): void => {
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return { url: running.url, profile: running.service.identity.profileUdf, data: resolve(data) };
    },
    human: (r) => {
      const x = r as { url: string; profile: string };
      return `Mesh Service listening at ${x.url}\nservice profile ${x.profile}\n(Ctrl-C to stop)`;
    },
  },
];
