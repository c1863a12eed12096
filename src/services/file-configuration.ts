// FileConfiguration: file mode (SPEC §15): the configuration read from CONFIG_FILE or LAYERS_DIR +
// EXPERIMENTS_DIR, compiled into the snapshot, read again whenever a file changes; a refused file
// leaves the last good configuration serving.

import fs from "node:fs";
import path from "node:path";
import { type ConfigDocument, EMPTY_DOCUMENT } from "../engine/config-document";
import { planImport } from "../engine/config-plan";
import { stateOfDocument } from "../engine/config-document-state";
import { DomainError } from "../engine/errors";
import { type FileFault, FileFaultError, type LayeredDocument, type SourceFile, documentOfLayeredFiles, faultInFiles, parseFile } from "../engine/layered-files";
import type { ConfigSource } from "../config";
import type { Logger } from "../logger";
import { checkConfigDocument } from "./config-document-schema";
import type { SnapshotStore } from "./snapshot-store";
import { DirectoryWatch } from "./directory-watch";

export type FileSource = Exclude<ConfigSource, { readonly kind: "database" }>;

export interface FileConfigStatus {
  readonly source: "file";
  /** The refused file, while the last good configuration serves; null when the files are served as they are. */
  readonly error: FileFault | null;
}

const BASE = "document";

/** `document.experiments[0].key` → `experiments[0].key`; `document` → `$`. */
const inDocument = (field: unknown): string => (typeof field !== "string" || field === BASE ? "$" : field.startsWith(`${BASE}.`) ? field.slice(BASE.length + 1) : field);

/** How errors name a file: its folder's name and its own (`layers/click.json`). */
const shownName = (dir: string, name: string) => `${path.basename(dir)}/${name}`;

function readFolder(dir: string): SourceFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    throw new FileFaultError({ file: path.basename(dir), field: "$", message: `the folder cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})` });
  }
  const files: SourceFile[] = [];
  // ConfigMap volumes hold `..data` and `..<timestamp>` entries beside the files: dot names are never configuration.
  for (const name of names.filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort()) {
    try {
      files.push({ file: shownName(dir, name), text: fs.readFileSync(path.join(dir, name), "utf8") });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Removed between listing and reading: it is gone, as it will be on the next read.
      if (code === "ENOENT") continue;
      if (code === "EISDIR") continue;
      throw new FileFaultError({ file: shownName(dir, name), field: "$", message: `cannot be read (${code ?? "error"})` });
    }
  }
  return files;
}

export class FileConfiguration {
  private version = 0;
  private served: string | null = null;
  private current: { readonly document: ConfigDocument; readonly loadedAt: Date } | null = null;
  private fault: FileFault | null = null;
  private lastGoodAt: number | null = null;
  private watch: DirectoryWatch | null = null;

  constructor(
    private readonly source: FileSource,
    private readonly snapshots: SnapshotStore,
    private readonly logger: Logger,
  ) {}

  get status(): FileConfigStatus {
    return { source: "file", error: this.fault };
  }

  /** The document served now, and when it was loaded; null before a first good load. */
  get document(): { readonly document: ConfigDocument; readonly loadedAt: Date } | null {
    return this.current;
  }

  /** Since the files were last read and found good (served, or unchanged); null before. */
  get lastGoodAgeMs(): number | null {
    return this.lastGoodAt === null ? null : Date.now() - this.lastGoodAt;
  }

  /** Loads the files, then follows every change to them (and to a ConfigMap's `..data` link). */
  start(): void {
    this.logger.info(this.source.kind === "document" ? { CONFIG_FILE: this.source.file } : { LAYERS_DIR: this.source.layersDir, EXPERIMENTS_DIR: this.source.experimentsDir }, "reading the configuration from files");
    this.reload();
    const dirs = this.source.kind === "document" ? [path.dirname(this.source.file)] : [this.source.layersDir, this.source.experimentsDir];
    this.watch = new DirectoryWatch(dirs, () => this.reload(), this.logger);
  }

  close(): void {
    this.watch?.close();
    this.watch = null;
  }

  /** Reads every file again; a new configuration is a new version, a refused one keeps the last good serving. True when the files are served. */
  reload(): boolean {
    const started = performance.now();
    let document: ConfigDocument;
    try {
      document = this.read();
    } catch (error) {
      this.refuse(error);
      return false;
    }
    const text = JSON.stringify(document);
    const recovered = this.fault !== null;
    this.fault = null;
    this.lastGoodAt = Date.now();
    if (text === this.served) {
      if (recovered) this.logger.info({ configVersion: this.version }, "configuration files are valid again: the configuration served is unchanged");
      return true;
    }
    this.version += 1;
    this.snapshots.replace(stateOfDocument(document, this.version));
    this.served = text;
    this.current = { document, loadedAt: new Date() };
    this.logger.info(
      { configVersion: this.version, layers: document.layers.length, experiments: document.experiments.length, flags: document.flags.length, ms: Math.round(performance.now() - started) },
      "configuration files loaded",
    );
    return true;
  }

  private read(): ConfigDocument {
    if (this.source.kind === "document") {
      const file = this.source.file;
      try {
        const json = parseFile({ file, text: fs.readFileSync(file, "utf8") });
        return planImport(EMPTY_DOCUMENT, checkConfigDocument(json, BASE), { prune: false, path: BASE }).document;
      } catch (error) {
        if (error instanceof FileFaultError) throw error;
        if (error instanceof DomainError) throw new FileFaultError({ file, field: inDocument(error.details.field), message: error.message });
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== undefined) throw new FileFaultError({ file, field: "$", message: `cannot be read (${code})` });
        throw error;
      }
    }
    const converted: LayeredDocument = documentOfLayeredFiles(readFolder(this.source.layersDir), readFolder(this.source.experimentsDir));
    for (const warning of converted.warnings) this.logger.warn(warning, "configuration file: served, with a warning");
    try {
      return planImport(EMPTY_DOCUMENT, checkConfigDocument(converted.document, BASE), { prune: false, path: BASE }).document;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const fault = faultInFiles(error, converted, BASE) ?? { file: path.basename(this.source.layersDir), field: inDocument(error.details.field), message: error.message };
      throw new FileFaultError(fault);
    }
  }

  private refuse(error: unknown): void {
    const fault: FileFault = error instanceof FileFaultError ? error.fault : { file: this.source.kind === "document" ? this.source.file : "(files)", field: "$", message: (error as Error).message };
    const repeated = this.fault !== null && this.fault.file === fault.file && this.fault.field === fault.field && this.fault.message === fault.message;
    this.fault = fault;
    if (!(error instanceof FileFaultError)) this.logger.error({ err: error }, "reading the configuration files failed");
    if (!repeated) {
      this.logger.error(
        { file: fault.file, field: fault.field, reason: fault.message, configVersion: this.version === 0 ? null : this.version },
        this.version === 0 ? "configuration file refused: nothing is served until the files are valid" : "configuration file refused: the last good configuration keeps serving",
      );
    }
  }
}
