/**
 * Signet's error vocabulary. One base class with a stable `code` (jose's errors.ts is the
 * model). Messages never contain a token or key material.
 */
export type SignetErrorCode =
  | "malformed_token"
  | "invalid_token"
  | "invalid_claims"
  | "token_expired"
  | "token_not_yet_valid"
  | "audience_mismatch"
  | "request_mismatch"
  | "replayed_token"
  | "key_revoked"
  | "key_expired"
  | "key_disabled"
  | "ip_not_allowed"
  | "insufficient_scope"
  | "verifier_unavailable"
  | "invalid_public_key"
  | "invalid_credentials"
  | "invalid_scope"
  | "invalid_request"
  | "not_found"
  | "conflict";

export class SignetError extends Error {
  readonly code: SignetErrorCode;
  /** Extra, safe-to-show fields for the problem document (never secrets). */
  readonly details: Record<string, unknown>;

  constructor(code: SignetErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A bring-your-own public key that is not a canonical, full-order Ed25519 point. */
export class InvalidPublicKeyError extends SignetError {
  constructor(message: string) {
    super("invalid_public_key", message);
  }
}

/** A credentials file, PEM or one-line credential that cannot be used. */
export class InvalidCredentialsError extends SignetError {
  constructor(message: string) {
    super("invalid_credentials", message);
  }
}

/** A scope string that is not `resource:action`. */
export class InvalidScopeError extends SignetError {
  constructor(message: string) {
    super("invalid_scope", message);
  }
}

/** Infrastructure (key store, replay store, audit) failed or timed out: fail closed. */
export class VerifierUnavailableError extends SignetError {
  constructor(message = "the verifier cannot reach its stores; try again", cause?: unknown) {
    super("verifier_unavailable", message);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

export class NotFoundError extends SignetError {
  constructor(message: string) {
    super("not_found", message);
  }
}

export class ConflictError extends SignetError {
  constructor(message: string) {
    super("conflict", message);
  }
}

export class InvalidRequestError extends SignetError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("invalid_request", message, details);
  }
}
