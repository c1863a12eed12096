// FileConfiguration: file mode (SPEC §15): the configuration read from CONFIG_FILE or LAYERS_DIR +
// EXPERIMENTS_DIR, handed to its sink (the snapshot, or the database), read again whenever a file
// changes; a refused file leaves the last good configuration serving.

import fs from "node:fs";
import path from "node:path";
import { type ConfigDocument, EMPTY_DOCUMENT } from "../engine/config-document";
import { planImport } from "../engine/config-plan";
import { DomainError } from "../engine/errors";
import { type FileFault, FileFaultError, type LayeredDocument, type SourceFile, documentOfLayeredFiles, faultInFiles, parseFile } from "../engine/layered-files";
import type { ConfigSource } from "../config";
import type { Logger } from "../logger";
import { checkConfigDocument } from "./config-document-schema";
import { DirectoryWatch } from "./directory-watch";
import type { FileSink, FilesRead } from "./file-sink";

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

/** A database that could not take the files is asked again after this long (the files may not change for hours). */
const RETRY_MS = 1_000;

export class FileConfiguration {
  private version: number | null = null;
  private served: string | null = null;
  private current: { readonly document: ConfigDocument; readonly loadedAt: Date } | null = null;
  private fault: FileFault | null = null;
  private lastGoodAt: number | null = null;
  private watch: DirectoryWatch | null = null;
  private retry: NodeJS.Timeout | null = null;
  /** Reloads run one at a time: a sink may take a transaction. */
  private running: Promise<boolean> = Promise.resolve(true);
  private closed = false;

  constructor(
    private readonly source: FileSource,
    private readonly sink: FileSink,
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

  /** Loads the files, then follows every change to them (and to a ConfigMap's `..data` link). Resolves after the first load. */
  async start(): Promise<void> {
    this.logger.info(this.source.kind === "document" ? { CONFIG_FILE: this.source.file } : { LAYERS_DIR: this.source.layersDir, EXPERIMENTS_DIR: this.source.experimentsDir }, "reading the configuration from files");
    const dirs = this.source.kind === "document" ? [path.dirname(this.source.file)] : [this.source.layersDir, this.source.experimentsDir];
    this.watch = new DirectoryWatch(dirs, () => void this.reload(), this.logger);
    await this.reload();
  }

  close(): void {
    this.closed = true;
    this.watch?.close();
    this.watch = null;
    if (this.retry !== null) clearTimeout(this.retry);
  }

  /** Reads every file again and serves what changed; a refused one keeps the last good serving. True when the files are served. */
  reload(): Promise<boolean> {
    this.running = this.running.then(() => this.reloadNow());
    return this.running;
  }

  private async reloadNow(): Promise<boolean> {
    if (this.closed) return false;
    const started = performance.now();
    let read: FilesRead;
    try {
      read = this.read();
    } catch (error) {
      this.refuse(error);
      return false;
    }
    const text = JSON.stringify(read.document);
    const recovered = this.fault !== null;
    if (text === this.served) {
      this.fault = null;
      this.lastGoodAt = Date.now();
      if (recovered) this.logger.info({ configVersion: this.version }, "configuration files are valid again: the configuration served is unchanged");
      return true;
    }
    try {
      this.version = await this.sink.serve(read);
    } catch (error) {
      // A fault of the files (the database's rules refused them) stays until they change; anything else
      // (an unreachable database, an unexpected failure) is logged and tried again: a reload never throws,
      // or the chain of reloads would stop and the rejection would end the process.
      const ofFiles = error instanceof DomainError && error.code !== "UNAVAILABLE";
      this.refuse(error instanceof DomainError ? new FileFaultError(read.locate(error)) : error);
      if (!ofFiles && !this.closed) this.retry = setTimeout(() => void this.reload(), RETRY_MS).unref();
      return false;
    }
    this.fault = null;
    this.lastGoodAt = Date.now();
    this.served = text;
    this.current = { document: read.document, loadedAt: new Date() };
    const { layers, experiments, flags } = read.document;
    this.logger.info({ configVersion: this.version, layers: layers.length, experiments: experiments.length, flags: flags.length, ms: Math.round(performance.now() - started) }, "configuration files loaded");
    return true;
  }

  private read(): FilesRead {
    if (this.source.kind === "document") {
      const file = this.source.file;
      const locate = (error: DomainError): FileFault => ({ file, field: inDocument(error.details.field), message: error.message });
      try {
        const input = checkConfigDocument(parseFile({ file, text: fs.readFileSync(file, "utf8") }), BASE);
        return { input, document: planImport(EMPTY_DOCUMENT, input, { prune: false, path: BASE }).document, locate };
      } catch (error) {
        if (error instanceof FileFaultError) throw error;
        if (error instanceof DomainError) throw new FileFaultError(locate(error));
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== undefined) throw new FileFaultError({ file, field: "$", message: `cannot be read (${code})` });
        throw error;
      }
    }
    const converted: LayeredDocument = documentOfLayeredFiles(readFolder(this.source.layersDir), readFolder(this.source.experimentsDir));
    for (const warning of converted.warnings) this.logger.warn(warning, "configuration file: served, with a warning");
    const folder = path.basename(this.source.layersDir);
    const locate = (error: DomainError): FileFault => faultInFiles(error, converted, BASE) ?? { file: folder, field: inDocument(error.details.field), message: error.message };
    try {
      const input = checkConfigDocument(converted.document, BASE);
      return { input, document: planImport(EMPTY_DOCUMENT, input, { prune: false, path: BASE }).document, locate };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new FileFaultError(locate(error));
    }
  }

  private refuse(error: unknown): void {
    const fault: FileFault = error instanceof FileFaultError ? error.fault : { file: this.source.kind === "document" ? this.source.file : "(files)", field: "$", message: (error as Error).message };
    const repeated = this.fault !== null && this.fault.file === fault.file && this.fault.field === fault.field && this.fault.message === fault.message;
    this.fault = fault;
    if (!(error instanceof FileFaultError)) this.logger.error({ err: error }, "reading the configuration files failed");
    if (!repeated) {
      this.logger.error(
        { file: fault.file, field: fault.field, reason: fault.message, configVersion: this.version },
        this.version === null ? "configuration file refused: nothing is served until the files are valid" : "configuration file refused: the last good configuration keeps serving",
      );
    }
  }
}
