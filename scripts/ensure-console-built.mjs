// Builds the web console (console/, served at /console) when its build is missing or older than
// its sources, so `npm run demo` and `npm test` serve the console as the checkout has it.
// Plain JavaScript, like ensure-installed.mjs: it runs before anything is compiled.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = [
  'console/src',
  'console/index.html',
  'console/vite.config.ts',
  'console/package.json',
  'clients/typescript/src',
];
const BUILT = 'console/dist/index.html';

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function consoleIsStale() {
  return !existsSync(BUILT) || statSync(BUILT).mtimeMs < Math.max(...SOURCES.map(newest));
}

if (consoleIsStale()) {
  process.stdout.write('Building the web console (npm run console:build)...\n');
  // A production build whatever NODE_ENV the caller runs under (the tests run under `test`, which
  // would make the Preact preset emit development JSX carrying this machine's file paths).
  execSync('npm run --silent console:build', {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
