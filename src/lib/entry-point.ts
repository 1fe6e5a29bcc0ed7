import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StartupError } from './startup-error.js';

/** True when the module at `moduleUrl` is the script node was asked to run. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Runs an entry point's main function; a refusal to start exits 1 with a clear message. */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (error instanceof StartupError) {
      process.stderr.write(`tuneline: refusing to start: ${(error as Error).message}\n`);
    } else {
      process.stderr.write(`tuneline: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
    process.exit(1);
  });
}
