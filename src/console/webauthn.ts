/**
 * Passkeys through @simplewebauthn/server: user verification required, discoverable
 * credentials, and challenges that are stored, single use and short-lived.
 */
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { decodeStrict, encode } from "../core/base64url.js";
import type { Clock } from "../core/clock.js";
import type { ChallengeRecord, PasskeyRecord, SessionStore, UserRecord } from "../store/ports.js";

export interface RelyingParty {
  name: string;
  /** The public origin's host name. */
  id: string;
  /** The public origin. */
  origin: string;
}

export function relyingParty(publicUrl: string, name: string): RelyingParty {
  const url = new URL(publicUrl);
  return { name, id: url.hostname, origin: url.origin };
}

export class PasskeyError extends Error {}

/** The challenge a ceremony must answer: consumed on first look, whatever the outcome. */
function challengeCheck(
  sessions: SessionStore,
  clock: Clock,
  purpose: ChallengeRecord["purpose"],
  userId: string | null,
): (challenge: string) => Promise<boolean> {
  return async (challenge) => {
    const found = await sessions.consumeChallenge(challenge, new Date(clock.now()));
    return found !== null && found.purpose === purpose && found.userId === userId;
  };
}

const TRANSPORTS: readonly string[] = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"];

export async function registrationOptions(input: {
  rp: RelyingParty;
  user: UserRecord;
  existing: PasskeyRecord[];
  sessions: SessionStore;
  clock: Clock;
  ttlMs: number;
}) {
  const options = await generateRegistrationOptions({
    rpName: input.rp.name,
    rpID: input.rp.id,
    userName: input.user.email,
    userDisplayName: input.user.email,
    userID: new TextEncoder().encode(input.user.id),
    attestationType: "none",
    timeout: input.ttlMs,
    excludeCredentials: input.existing.map((p) => ({
      id: p.id,
      transports: p.transports.filter((t) => TRANSPORTS.includes(t)) as AuthenticatorTransportFuture[],
    })),
    authenticatorSelection: {
      residentKey: "required",
      requireResidentKey: true,
      userVerification: "required",
    },
    // Ed25519, ES256, RS256
    supportedAlgorithmIDs: [-8, -7, -257],
  });
  await input.sessions.addChallenge({
    challenge: options.challenge,
    purpose: "register",
    userId: input.user.id,
    expiresAt: new Date(input.clock.now() + input.ttlMs),
  });
  return options;
}

export async function verifyRegistration(input: {
  rp: RelyingParty;
  user: UserRecord;
  response: RegistrationResponseJSON;
  sessions: SessionStore;
  clock: Clock;
}): Promise<Omit<PasskeyRecord, "name" | "createdAt" | "lastUsedAt" | "userId">> {
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challengeCheck(input.sessions, input.clock, "register", input.user.id),
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
    });
  } catch (error) {
    throw new PasskeyError((error as Error).message);
  }
  if (!verified.verified) throw new PasskeyError("the passkey could not be verified");
  const { credential } = verified.registrationInfo;
  return {
    id: credential.id,
    publicKey: encode(credential.publicKey),
    counter: credential.counter,
    transports: (credential.transports ?? []).filter((t) => TRANSPORTS.includes(t)),
  };
}

export async function authenticationOptions(input: {
  rp: RelyingParty;
  sessions: SessionStore;
  clock: Clock;
  ttlMs: number;
}) {
  const options = await generateAuthenticationOptions({
    rpID: input.rp.id,
    userVerification: "required",
    timeout: input.ttlMs,
    // discoverable credentials: the authenticator offers the user's passkeys for this site
    allowCredentials: [],
  });
  await input.sessions.addChallenge({
    challenge: options.challenge,
    purpose: "authenticate",
    userId: null,
    expiresAt: new Date(input.clock.now() + input.ttlMs),
  });
  return options;
}

/** Checks a sign-in assertion against the stored passkey; returns the new signature counter. */
export async function verifyAuthentication(input: {
  rp: RelyingParty;
  passkey: PasskeyRecord;
  response: AuthenticationResponseJSON;
  sessions: SessionStore;
  clock: Clock;
}): Promise<number> {
  const publicKey = decodeStrict(input.passkey.publicKey);
  if (!publicKey) throw new PasskeyError("the stored passkey is unreadable");
  // the user handle (if sent) must name the passkey's owner
  const handle = input.response.response.userHandle;
  if (handle !== undefined && handle !== encode(new TextEncoder().encode(input.passkey.userId))) {
    throw new PasskeyError("the passkey belongs to someone else");
  }
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: challengeCheck(input.sessions, input.clock, "authenticate", null),
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.id,
      credential: {
        id: input.passkey.id,
        publicKey: publicKey as Uint8Array<ArrayBuffer>,
        counter: input.passkey.counter,
        transports: input.passkey.transports as AuthenticatorTransportFuture[],
      },
      requireUserVerification: true,
    });
  } catch (error) {
    throw new PasskeyError((error as Error).message);
  }
  if (!verified.verified) throw new PasskeyError("the passkey could not be verified");
  return verified.authenticationInfo.newCounter;
}

/** A browser's JSON for a registration or an assertion: shape checks before the library sees it. */
export function isCredentialJson(value: unknown, kind: "registration" | "authentication"): boolean {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  const response = v.response as Record<string, unknown> | undefined;
  const b64 = (x: unknown) => typeof x === "string" && x.length <= 16_384 && /^[A-Za-z0-9_-]*$/.test(x);
  if (!b64(v.id) || !b64(v.rawId) || v.type !== "public-key" || !response || typeof response !== "object")
    return false;
  if (!b64(response.clientDataJSON)) return false;
  return kind === "registration"
    ? b64(response.attestationObject)
    : b64(response.authenticatorData) &&
        b64(response.signature) &&
        (response.userHandle === undefined || b64(response.userHandle));
}
