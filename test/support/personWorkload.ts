import type { ClientBase } from 'pg';
import { SourceRows } from './sourceRows';
import { sleep } from './waitFor';

/**
 * A steady write load on a cand source for outage tests: inserts of persons, updates that move them in
 * and out of an `is_military` filter (several rows in one statement, so changes share a commit LSN),
 * and deletes, until paused. `changes` counts the statements committed.
 */
export class PersonWorkload {
  changes = 0;
  private running?: Promise<void>;
  private go = false;
  private readonly ids: string[] = [];
  private readonly rows: SourceRows;

  constructor(
    private readonly sql: ClientBase,
    private readonly pauseMs = 20,
  ) {
    this.rows = new SourceRows(sql, 'cand');
  }

  resume(): void {
    if (this.running) return;
    this.go = true;
    this.running = (async () => {
      while (this.go) {
        await this.step();
        await sleep(this.pauseMs);
      }
    })();
  }

  /** Stops after the statement under way; resolves once it committed. */
  async pause(): Promise<void> {
    this.go = false;
    await this.running;
    this.running = undefined;
  }

  /** One statement of the load, committed. */
  async step(): Promise<void> {
    const roll = Math.random();
    if (roll < 0.4 || this.ids.length < 10) this.ids.push(await this.rows.person({ military: Math.random() < 0.5 }));
    else if (roll < 0.9) {
      const some = this.ids.filter(() => Math.random() < 0.05).slice(0, 4);
      await this.sql.query('UPDATE thahs.person SET is_military = NOT is_military, occupation = $2 WHERE id = ANY($1::uuid[])', [some, `nghề ${this.changes}`]);
    } else {
      const [id] = this.ids.splice(Math.floor(Math.random() * this.ids.length), 1);
      await this.sql.query('DELETE FROM thahs.person WHERE id = $1', [id]);
    }
    this.changes++;
  }
}
