// API key secrets (SPEC §13): `tsk_` and 192 random bits, shown once; only their SHA-256 digest is kept.

import { hash, randomBytes } from "node:crypto";

export const SECRET_PREFIX = "tsk_";
/** Characters of a secret shown in lists (`tsk_` and 6 more: 36 of its 192 bits). */
const SHOWN_CHARS = SECRET_PREFIX.length + 6;

/** 24 random bytes, base64url: 32 characters after the prefix, no padding, safe in headers and shells. */
export const newSecret = (): string => `${SECRET_PREFIX}${randomBytes(24).toString("base64url")}`;

/** crypto.hash: one call, a third of createHash's time for a short input (it runs once per request). */
export const digestOf = (secret: string): string => hash("sha256", secret, "hex");

export const shownPrefix = (secret: string): string => secret.slice(0, SHOWN_CHARS);
