import type { Store } from "../ports.js";

/**
 * D1 has no interactive transactions: Prisma's D1 adapter runs the statements of a
 * `$transaction` one by one (and warns). Rather than pretend, a D1 store runs `work` straight
 * on the store. Each key change is written before its audit event, so a failure in between
 * leaves the change without its audit row, never an audit row for a change that did not
 * happen. (docs/deploy-workers.md, "Limits".)
 */
export function d1Transactions(store: Store): Store {
  const direct: Store = Object.create(store, {
    transaction: { value: <T>(work: (tx: Store) => Promise<T>): Promise<T> => work(direct) },
  });
  return direct;
}
