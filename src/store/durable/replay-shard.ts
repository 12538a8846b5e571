import { DurableObject } from "cloudflare:workers";

/** Longest key id or jti a shard accepts (the verifier allows jti ≤ 128; key ids are 30). */
const MAX_PART = 256;
/** Expired rows are swept in batches of at most this many per alarm run. */
const SWEEP_BATCH = 10_000;
/** How much later than a row's expiry its deletion may run. */
const ALARM_SLACK_MS = 10_000;

/**
 * One shard of the Workers replay store: a SQLite-backed Durable Object that remembers
 * `(kid, jti)` pairs until their expiry. `record` checks and writes with synchronous SQL and
 * no `await` in between, and a Durable Object runs one event at a time, so two requests
 * carrying the same token can never both see "new". An alarm deletes expired rows.
 */
export class ReplayShard extends DurableObject<unknown> {
  /** When the next alarm fires (ms), as far as this instance knows; undefined = not read yet. */
  private alarmAt: number | null | undefined;

  constructor(ctx: ConstructorParameters<typeof DurableObject>[0], env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS seen (
         kid TEXT NOT NULL,
         jti TEXT NOT NULL,
         expires_at INTEGER NOT NULL,
         PRIMARY KEY (kid, jti)
       ) WITHOUT ROWID`,
    );
    ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS seen_expires_at ON seen (expires_at)");
  }

  /** True the first time `(kid, jti)` is seen before it expires; false for a replay. */
  async record(kid: string, jti: string, expiresAt: number): Promise<boolean> {
    if (
      typeof kid !== "string" ||
      typeof jti !== "string" ||
      kid.length === 0 ||
      jti.length === 0 ||
      kid.length > MAX_PART ||
      jti.length > MAX_PART ||
      !Number.isSafeInteger(expiresAt)
    ) {
      throw new TypeError("record(kid, jti, expiresAt): bad arguments");
    }
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    // Check and write with no await in between: this is the atomic step.
    const existing = sql
      .exec<{ expires_at: number }>("SELECT expires_at FROM seen WHERE kid = ? AND jti = ?", kid, jti)
      .toArray()[0];
    if (existing && existing.expires_at > now) return false;
    sql.exec(
      `INSERT INTO seen (kid, jti, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (kid, jti) DO UPDATE SET expires_at = excluded.expires_at`,
      kid,
      jti,
      expiresAt,
    );
    await this.ensureAlarm(expiresAt);
    return true;
  }

  /** Cheap liveness probe for /healthz. */
  async ping(): Promise<number> {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM seen").one().n;
  }

  /** Deletes expired rows, then sleeps until the next row expires. */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    sql.exec(
      "DELETE FROM seen WHERE (kid, jti) IN (SELECT kid, jti FROM seen WHERE expires_at <= ? LIMIT ?)",
      now,
      SWEEP_BATCH,
    );
    const next = sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM seen").one().at;
    this.alarmAt = null;
    if (next !== null) {
      // more expired rows than one batch: come back at once; else when the next one expires
      const at = Math.max(next, now + 1);
      await this.ctx.storage.setAlarm(at);
      this.alarmAt = at;
    }
  }

  private async ensureAlarm(expiresAt: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    // An earlier alarm reschedules for this row when it runs. A later one would only delete it
    // late (an expired row never blocks a token), so it is moved only when it is far later:
    // most rows expire after the pending alarm, and they cost no alarm write at all.
    if (this.alarmAt === null || this.alarmAt > expiresAt + ALARM_SLACK_MS) {
      await this.ctx.storage.setAlarm(expiresAt);
      this.alarmAt = expiresAt;
    }
  }
}
