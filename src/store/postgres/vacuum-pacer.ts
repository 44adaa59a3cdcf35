/**
 * VACUUM of the tasks table now and then, from the processes that claim.
 *
 * A claim walks the ready index in claim order from its start. Every claimed task leaves
 * there an entry for its old, pending version, and PostgreSQL removes such entries only
 * when the table is vacuumed; until then each claim steps over all of them (killed
 * entries are skipped, but their pages are still read). Autovacuum may be off, or wait
 * for a fifth of the table to be dead, so a process that has made many claims vacuums the
 * table itself, in the background, on a pooled connection.
 *
 * Paced so that it costs little: only after VACUUM_AFTER_CLAIMS claims by this process,
 * one at a time, and after one that took d ms, not again for IDLE_FACTOR × d ms (a
 * VACUUM reads every index of the table, so it takes longer as the table grows; this keeps
 * it to a small share of the time whatever the size).
 *
 * SKIP_LOCKED: when another process is vacuuming the table already, this one lets it be. A
 * VACUUM refused (the role does not own the table) only warns; any error is ignored: it is
 * housekeeping, not a change.
 */

/** Claims by this process between two of its VACUUMs, at least. */
export const VACUUM_AFTER_CLAIMS = 2_000;
/** After a VACUUM that took d ms, none for IDLE_FACTOR × d ms. */
const IDLE_FACTOR = 20;

export class VacuumPacer {
  private claims = 0;
  private notBefore = 0;
  private running: Promise<void> | null = null;

  constructor(private readonly vacuum: () => Promise<unknown>) {}

  /** Counts claims made; starts a VACUUM when they are enough and the last was long enough ago. */
  claimed(count: number): void {
    this.claims += count;
    if (this.claims < VACUUM_AFTER_CLAIMS || this.running !== null || Date.now() < this.notBefore) return;
    this.claims = 0;
    const started = Date.now();
    this.running = this.vacuum()
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        const finished = Date.now();
        this.notBefore = finished + (finished - started) * IDLE_FACTOR;
        this.running = null;
      });
  }

  /** Resolves once no VACUUM of this process is under way. */
  async idle(): Promise<void> {
    await this.running;
  }
}
