// ConfigCacheFile: the last loaded configuration on disk (CONFIG_CACHE_FILE), so an instance can
// start and serve while PostgreSQL is unreachable (SPEC §10 "Cold start").

import fs from "node:fs";
import path from "node:path";
import type { ConfigState } from "../engine/snapshot";
import type { Logger } from "../logger";

const FORMAT = "tessera.cache/v1";

/** Writes wait this long for later swaps: a burst of changes writes the file once. */
const WRITE_DELAY_MS = 250;

interface CacheDocument {
  readonly format: string;
  readonly savedAt: string;
  readonly state: ConfigState;
}

/** JSON turns dates into strings: the experiments' timestamps come back as dates. */
function revive(state: ConfigState): ConfigState {
  return {
    ...state,
    experiments: state.experiments.map((e) => ({ ...e, createdAt: new Date(e.createdAt), updatedAt: new Date(e.updatedAt) })),
    // A cache written before flags existed has none: the instance starts without flags rather than not at all.
    flags: state.flags ?? [],
    forced: state.forced ?? [],
  };
}

export class ConfigCacheFile {
  private pending: ConfigState | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  /** The cached configuration, or null when there is none or it cannot be used (logged). */
  read(): ConfigState | null {
    let text: string;
    try {
      text = fs.readFileSync(this.file, "utf8");
    } catch (error) {
      this.logger.warn({ err: error, file: this.file }, "no configuration cache to start from");
      return null;
    }
    try {
      const doc = JSON.parse(text) as CacheDocument;
      if (doc.format !== FORMAT || typeof doc.state?.version !== "number") throw new Error(`not a ${FORMAT} document`);
      return revive(doc.state);
    } catch (error) {
      this.logger.error({ err: error, file: this.file }, "the configuration cache cannot be read");
      return null;
    }
  }

  /** Schedules a write of `state` (the newest wins). */
  save(state: ConfigState): void {
    this.pending = state;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), WRITE_DELAY_MS);
    this.timer.unref();
  }

  /** Writes what is pending now: a temporary file renamed over the cache, so a reader never sees half of one. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const state = this.pending;
    this.pending = null;
    if (state === null) return;
    const temporary = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const doc: CacheDocument = { format: FORMAT, savedAt: new Date().toISOString(), state };
      fs.writeFileSync(temporary, JSON.stringify(doc));
      fs.renameSync(temporary, this.file);
      this.logger.debug({ file: this.file, version: state.version }, "configuration cache written");
    } catch (error) {
      this.logger.error({ err: error, file: this.file }, "the configuration cache cannot be written");
      fs.rmSync(temporary, { force: true });
    }
  }
}
