// The process logger (pino): structured JSON lines, level from LOG_LEVEL.

import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "tessera" } });
}
