import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

const r = (p: string) => resolve(import.meta.dirname, p);

// `vite build --mode test` makes a TEST build: the entries become src/*/test-bridge.ts (which import the
// real main.ts and add a page-reachable bridge the Firefox e2e harness needs) and an empty test.html page
// is added. The shipped build (`vite build`) never contains the bridge. MESHPASS_OUT_DIR overrides the
// output folder (the e2e harness builds into a private temp dir so parallel runs don't collide).
const TEST_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>MeshPass test page</title></head><body></body></html>
`;

function manifest(test: boolean): Plugin {
  return {
    name: 'meshpass-manifest',
    applyToEnvironment: (env) => env.name === 'client',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: readFileSync(r('manifest.json'), 'utf8') });
      if (test) this.emitFile({ type: 'asset', fileName: 'test.html', source: TEST_PAGE });
    },
  };
}

// The popup's stylesheet goes into popup.html: a pending stylesheet holds back the page's module script,
// so as its own file it was one more extension request before the popup could start (MV3 forbids inline
// scripts, not inline styles).
function inlineCss(): Plugin {
  return {
    name: 'meshpass-inline-css',
    enforce: 'post',
    applyToEnvironment: (env) => env.name === 'popup',
    generateBundle(_, bundle) {
      for (const page of Object.values(bundle)) {
        if (page.type !== 'asset' || !page.fileName.endsWith('.html')) continue;
        page.source = String(page.source).replace(/<link rel="stylesheet"[^>]* href="\/([^"]+\.css)">/g, (link, file: string) => {
          const css = bundle[file];
          if (css?.type !== 'asset') return link;
          delete bundle[file];
          return `<style>${String(css.source)}</style>`;
        });
      }
    },
  };
}

export default defineConfig(({ mode }) => {
  const test = mode === 'test';
  const outDir = process.env.MESHPASS_OUT_DIR ?? (test ? 'dist-test' : 'dist');
  return {
    plugins: [preact(), manifest(test), inlineCss()],
    // MESHPASS_NO_MINIFY=1 keeps names readable in CPU profiles of the built extension.
    build: { target: 'es2022', sourcemap: false, minify: process.env.MESHPASS_NO_MINIFY !== '1' },
    environments: {
      client: {
        build: {
          outDir,
          emptyOutDir: true,
          // Both browsers support modulepreload; the polyfill would be one more file before each page's script.
          modulePreload: { polyfill: false },
          rollupOptions: {
            input: {
              options: r('options.html'),
              import: r('import.html'),
              offscreen: r('offscreen.html'),
              background: r(test ? 'src/background/test-bridge.ts' : 'src/background/main.ts'),
            },
            output: {
              entryFileNames: '[name].js',
              chunkFileNames: 'chunks/[name]-[hash].js',
              assetFileNames: 'assets/[name]-[hash][extname]',
            },
          },
        },
      },
      popup: {
        consumer: 'client',
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          modulePreload: { polyfill: false },
          rollupOptions: {
            input: { popup: r('popup.html') },
            output: { entryFileNames: '[name].js', assetFileNames: 'assets/[name]-[hash][extname]', codeSplitting: false },
          },
        },
      },
      content: {
        consumer: 'client',
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          // Not build.lib: lib mode leaves process.env.NODE_ENV unreplaced.
          rollupOptions: {
            input: r(test ? 'src/content/test-bridge.ts' : 'src/content/main.ts'),
            output: { format: 'iife', entryFileNames: 'content.js' },
          },
        },
      },
    },
    builder: {
      async buildApp(builder) {
        await builder.build(builder.environments.client);
        await builder.build(builder.environments.popup);
        await builder.build(builder.environments.content);
      },
    },
  };
});
