import { randomUUID } from 'crypto';
import { Client } from 'pg';

/**
 * A throwaway database on a ministry cluster, so tests never touch the data `npm start` works with and
 * clean up after themselves. Slots of the database must be dropped before it can be.
 */
export class ScratchDatabase {
  readonly name: string;
  readonly url: string;

  private constructor(
    private readonly adminUrl: string,
    name: string,
  ) {
    this.name = name;
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    this.url = u.toString();
  }

  static async create(clusterUrl: string, label: string): Promise<ScratchDatabase> {
    const name = `thahs_test_${label}_${randomUUID().slice(0, 8)}`;
    const db = new ScratchDatabase(clusterUrl, name);
    await db.admin(async (c) => {
      await c.query(`CREATE DATABASE "${name}"`);
    });
    return db;
  }

  private async admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ connectionString: this.adminUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  async drop(): Promise<void> {
    await this.admin(async (c) => {
      const slots = await c.query<{ slot_name: string; active_pid: number | null }>('SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1', [this.name]);
      for (const s of slots.rows) {
        if (s.active_pid) await c.query('SELECT pg_terminate_backend($1)', [s.active_pid]).catch(() => undefined);
        for (let i = 0; i < 20; i++) {
          try {
            await c.query('SELECT pg_drop_replication_slot($1)', [s.slot_name]);
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      }
      // FORCE terminates other sessions but refuses (42501) while an autovacuum worker is in the database,
      // which a bulk-loaded scratch database draws: the worker ends soon, so try again.
      for (let i = 0; ; i++) {
        try {
          await c.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== '42501' || i >= 40) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    });
  }
}
