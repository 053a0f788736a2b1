// Runs the Mesh Service as a process: `node --import tsx src/service/main.ts --data DIR [--port N]
// [--host H] [--cert F --key F]`. Prints one line `MESH_SERVICE_URL <url>` when ready (the
// harness reads it). The CLI's `mesh service start` does the same through startService.
import { startService } from './server.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const data = arg('data');
if (!data) {
  process.stderr.write('usage: main.ts --data DIR [--port N] [--host H] [--cert F --key F] [--quiet]\n');
  process.exit(2);
}
const quiet = process.argv.includes('--quiet');
const running = await startService({
  dataDir: data,
  host: arg('host'),
  port: arg('port') ? Number(arg('port')) : 0,
  certFile: arg('cert'),
  keyFile: arg('key'),
  crashPoint: (process.env.MESH_SERVICE_CRASH_POINT as 'mid-write' | 'before-journal' | undefined) || undefined,
  log: quiet ? undefined : (line) => process.stderr.write(`[mesh-service] ${line}\n`),
});
process.stdout.write(`MESH_SERVICE_URL ${running.url}\n`);
const stop = (): void => {
  void running.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
