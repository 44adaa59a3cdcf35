/**
 * A claim's token: `<attempt>.<secret>`, handed to the claimer in the claim's result and
 * nowhere else. Only a call carrying it may finish, release or renew that claim, so two
 * agents of one name (two windows of one client) cannot act on each other's claims.
 *
 * The store keeps only the SHA-256 of the secret (`claim_token_sha256` on the task), so
 * whatever reads the stored workflow (a state file, an export, the dashboard) learns
 * nothing it could pass as the token. The digest covers the secret alone, not the
 * attempt: the PostgreSQL store writes it in its claim statement, which does not know the
 * attempt number (it lives in the task's JSON). The attempt only tells an earlier claim's
 * token (CLAIM_SUPERSEDED) from one of no claim of this task (NOT_CLAIM_HOLDER).
 */
import { createHash, randomBytes } from "node:crypto";

/** 144 random bits: 24 base64url characters, which never include the "." before them. */
const SECRET_BYTES = 18;

/** The longest token accepted from a caller: a claim's is about 35 characters. */
export const MAX_CLAIM_TOKEN_LENGTH = 200;

export interface ClaimSecret {
  secret: string;
  /** What the store keeps: the secret's SHA-256, hex. */
  digest: string;
}

export function newClaimSecret(): ClaimSecret {
  const secret = randomBytes(SECRET_BYTES).toString("base64url");
  return { secret, digest: claimSecretDigest(secret) };
}

export function claimSecretDigest(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function formatClaimToken(attempt: number, secret: string): string {
  return `${attempt}.${secret}`;
}

/** The attempt and secret of a token; null when it is not of that form (it matches no claim then). */
export function parseClaimToken(token: string): { attempt: number; secret: string } | null {
  const dot = token.indexOf(".");
  if (dot <= 0 || dot === token.length - 1) return null;
  const prefix = token.slice(0, dot);
  if (!/^\d{1,15}$/.test(prefix)) return null;
  return { attempt: Number(prefix), secret: token.slice(dot + 1) };
}
