// API key secrets (SPEC §13): `tsk_` and 192 random bits, shown once; only their SHA-256 digest is kept.

import { createHash, randomBytes } from "node:crypto";

export const SECRET_PREFIX = "tsk_";
/** Characters of a secret shown in lists (`tsk_` and 6 more: 36 of its 192 bits). */
const SHOWN_CHARS = SECRET_PREFIX.length + 6;

/** 24 random bytes, base64url: 32 characters after the prefix, no padding, safe in headers and shells. */
export const newSecret = (): string => `${SECRET_PREFIX}${randomBytes(24).toString("base64url")}`;

export const digestOf = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex");

export const shownPrefix = (secret: string): string => secret.slice(0, SHOWN_CHARS);
