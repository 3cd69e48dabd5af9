// `xos db import`: an export (export.ts, from either database) loaded into a new embedded
// database, which is how an installation moves from PostgreSQL back to the embedded one. The
// export carries the schema and the migration history, so the database opens as if XOS had
// made it. Into PostgreSQL the same file goes with psql.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './lock.js';
import { privateUmask, tightenDir, tightenTree } from './private-files.js';

export async function importSqlToEmbedded(dataDir: string, sql: string): Promise<void> {
  if (!sql.startsWith('-- XOS database export.')) throw new Error('the file is not an XOS database export (xos db export)');
  privateUmask();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  tightenDir(dataDir);
  const release = lockDataDir(dataDir);
  try {
    const pgdata = path.join(dataDir, 'pgdata');
    if (fs.existsSync(pgdata) && fs.readdirSync(pgdata).length)
      throw new Error(`${path.resolve(dataDir)} already holds a database: import into a new data directory ([db] data_dir)`);
    const db = await PGlite.create(pgdata);
    try {
      await db.exec(sql);
    } catch (e) {
      await db.close();
      fs.rmSync(pgdata, { recursive: true, force: true }); // nothing half-imported stays behind
      throw new Error(`the import failed, nothing was kept: ${(e as Error).message}`);
    }
    await db.close();
    tightenTree(dataDir);
  } finally {
    await release();
  }
}
