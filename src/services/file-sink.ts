// Where file mode's good files go (SPEC §15): with STORAGE=none straight into the snapshot; on a database
// into the database, as an import that prunes, so assignments, exposures, history and subscriptions work
// as in database mode and every instance sharing the database follows.

import type { ConfigDocument, ConfigDocumentInput } from "../engine/config-document";
import { stateOfDocument } from "../engine/config-document-state";
import type { DomainError } from "../engine/errors";
import type { FileFault } from "../engine/layered-files";
import type { Caller } from "./caller";
import type { ConfigDocumentService } from "./config-document.service";
import type { SnapshotStore } from "./snapshot-store";

/** The files as read: the document as written, the configuration it makes on its own, and where a fault of it lies. */
export interface FilesRead {
  readonly input: ConfigDocumentInput;
  readonly document: ConfigDocument;
  /** The file and path inside it of a fault found at a path of `input`. */
  locate(error: DomainError): FileFault;
}

export interface FileSink {
  /** Serves the files; answers the configuration version they are served as. Throws a DomainError when refused. */
  serve(read: FilesRead): Promise<number>;
}

/** STORAGE=none: the snapshot is the files, each change a version of its own. */
export class SnapshotSink implements FileSink {
  private version = 0;

  constructor(private readonly snapshots: SnapshotStore) {}

  serve(read: FilesRead): Promise<number> {
    this.version += 1;
    this.snapshots.replace(stateOfDocument(read.document, this.version));
    return Promise.resolve(this.version);
  }
}

/** Who writes the files into the database: recorded as the actor of their change records and events. */
const FILES: Caller = { actor: "file mode", key: null, requestId: null };

/**
 * On a database: the files are imported with prune, the files deciding (an experiment whose file comes
 * back is running again), and the snapshot follows the database as in database mode. Instances sharing
 * the database import the same files; all but the first find nothing to change.
 */
export class DatabaseSink implements FileSink {
  constructor(private readonly documents: ConfigDocumentService) {}

  async serve(read: FilesRead): Promise<number> {
    const plan = await this.documents.importDocument({ document: read.input, dryRun: false, prune: true, filesDecide: true }, FILES);
    return plan.configVersion;
  }
}
