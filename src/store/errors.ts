/** A unique constraint failed (same id, name or fingerprint). Stores translate their driver's error to this. */
export class UniqueViolation extends Error {
  readonly code = "conflict";
  constructor(what: string) {
    super(`${what} already exists`);
  }
}
