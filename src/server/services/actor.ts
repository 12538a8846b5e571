/** Who is doing a management action, for authorization and the audit log. */
export interface Actor {
  /** `key:<id>`, `user:<id>` or `cli`. */
  id: string;
  ip: string | null;
}

export const cliActor: Actor = { id: "cli", ip: null };
