// Runs before `npm run demo` and `npm test`: installs dependencies on a fresh clone, so the
// README's two quick-start commands are all a newcomer needs. Plain JavaScript: nothing is installed yet.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const installed = 'node_modules/.package-lock.json';
const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  process.stdout.write('Installing dependencies (npm ci)...\n');
  execSync('npm ci --no-fund --no-audit', { stdio: 'inherit' });
}
