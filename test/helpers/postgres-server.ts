import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

/** A private Postgres cluster on a free loopback port, for tests that stop and start the database. */
export interface TestPostgresServer {
  /** Connection URL of the `postgres` database (trust auth, user `postgres`). */
  adminUrl: string;
  port: number;
  urlOf(database: string): string;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: open connections are terminated, new ones refused. */
  stop(): Promise<void>;
  /** Stops the cluster (if running) and deletes its directory. */
  destroy(): Promise<void>;
  log(): string;
}

/** The newest installed server binaries (`/usr/lib/postgresql/<major>/bin`), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

/** initdb refuses to run as root; then the cluster belongs to the `postgres` system user. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

export async function startPostgresServer(): Promise<TestPostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no Postgres server binaries under /usr/lib/postgresql');
  const owner = clusterOwner();
  const dir = mkdtempSync(join(tmpdir(), 'tuneline-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const tool = (name: string, args: string[]) => run(join(bin, name), args, { ...owner, cwd: dir, timeout: 30_000 });
  const port = await freePort();
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let running = false;

  const server: TestPostgresServer = {
    adminUrl: url('postgres'),
    port,
    urlOf: url,
    async start() {
      if (running) return;
      // fsync off: the cluster is thrown away, and a stop/start must be quick.
      const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off`;
      await tool('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '20', 'start']);
      running = true;
    },
    async stop() {
      if (!running) return;
      await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '20', 'stop']);
      running = false;
    },
    async destroy() {
      try {
        if (running) await tool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop']);
      } finally {
        running = false;
        rmSync(dir, { recursive: true, force: true });
      }
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };

  try {
    await tool('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}
