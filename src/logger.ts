// The process logger (pino): structured JSON lines, level from LOG_LEVEL.

import pino from "pino";

export type Logger = pino.Logger;

const REDACTED = ["authorization", "secret", "*.authorization", "*.secret", "headers.authorization", "*.headers.authorization", "connectionParams.authorization"];

export function createLogger(level: string): Logger {
  // Nothing logs a secret or the authorization header (SPEC §13); should a header set or a key ever
  // reach a log call, pino removes these paths before the line is written.
  return pino({ level, base: { service: "tessera" }, redact: { paths: REDACTED, remove: true } });
}
