import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

const r = (p: string) => resolve(import.meta.dirname, p);

// One `vite build`, two environments:
//  - client: extension pages and the background worker as ES modules with shared chunks
//  - content: the content script as one self-contained classic script (IIFE)
// The source manifest lives at the root; it is emitted into dist/ unchanged.
function manifest(): Plugin {
  return {
    name: 'meshpass-manifest',
    applyToEnvironment: (env) => env.name === 'client',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: readFileSync(r('manifest.json'), 'utf8') });
    },
  };
}

export default defineConfig({
  plugins: [preact(), manifest()],
  build: { target: 'es2022', sourcemap: false, minify: true },
  environments: {
    client: {
      build: {
        outDir: 'dist',
        emptyOutDir: true,
        rollupOptions: {
          input: {
            popup: r('popup.html'),
            options: r('options.html'),
            background: r('src/background/main.ts'),
          },
          output: {
            entryFileNames: '[name].js',
            chunkFileNames: 'chunks/[name]-[hash].js',
            assetFileNames: 'assets/[name]-[hash][extname]',
          },
        },
      },
    },
    content: {
      consumer: 'client',
      build: {
        outDir: 'dist',
        emptyOutDir: false,
        copyPublicDir: false,
        // Not build.lib: lib mode leaves process.env.NODE_ENV unreplaced.
        rollupOptions: {
          input: r('src/content/main.ts'),
          output: { format: 'iife', entryFileNames: 'content.js' },
        },
      },
    },
  },
  builder: {
    async buildApp(builder) {
      await builder.build(builder.environments.client);
      await builder.build(builder.environments.content);
    },
  },
});
