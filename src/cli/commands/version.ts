import type { Command } from '../framework.ts';

export const commands: Command[] = [
  {
    path: ['version'],
    usage: 'mesh version',
    summary: 'print the MeshPass version',
    async run() {
      return { version: '0.1.0' };
    },
    human: (r) => `mesh ${(r as { version: string }).version}`,
  },
];
