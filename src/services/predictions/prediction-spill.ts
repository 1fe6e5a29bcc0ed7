import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A JSON-lines file under the spill directory for prediction records Postgres did not take. Each
 * line has the INSERT's column names, so a file can be repaired if needed and replayed with
 * `jsonb_to_recordset` (ON CONFLICT (id) DO NOTHING makes a replay of written records harmless).
 * One file per purpose and process, so instances sharing a directory never interleave lines.
 */
export function spillFile(dir: string, purpose: 'quarantine' | 'unwritten') {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `prediction-log-${purpose}-${stamp}-${process.pid}.jsonl`);
  return {
    path,
    async append(lines: object[]): Promise<void> {
      if (lines.length === 0) return;
      await mkdir(dir, { recursive: true });
      // JSON.stringify escapes U+0000 and lone surrogates, so the file holds them exactly.
      await appendFile(path, lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8');
    },
  };
}
