// `npm start`, interim version (issue 2): builds the extension into dist/ and says how to load it.
// Issue 11 replaces this with the full start (Mesh Service on 127.0.0.1, local account, browser).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('MeshPass: the build failed.');
  process.exit(build.status ?? 1);
}
const dist = resolve(root, 'dist');
console.log(`
MeshPass is built in ${dist}

Load it in Chromium or Chrome:
  1. open chrome://extensions and switch on "Developer mode"
  2. "Load unpacked" → choose ${dist}
  (or start a browser with it: chromium --load-extension=${dist})

Load it in Firefox (142 or later):
  1. open about:debugging#/runtime/this-firefox
  2. "Load Temporary Add-on…" → choose ${dist}/manifest.json
  (or: npx web-ext run --source-dir ${dist})
`);
