// The operation texts of the generated documents: codegen keeps only each document's hash (persisted-documents
// mode), and the manifest maps it to the text, so the text exists once and equals what a trusted server holds.

import type { TypedDocumentString } from "./generated/graphql";
import manifest from "./generated/persisted-documents.json";

const TEXTS: Readonly<Record<string, string>> = manifest;

/** A generated document: its result and variables types, and the manifest's id. */
export type Document<TResult, TVariables> = TypedDocumentString<TResult, TVariables>;

export interface OperationText {
  /** The manifest's id (`sha256:<hex>` of the text): what a server with TRUSTED_DOCUMENTS accepts as `documentId`. */
  readonly id: string;
  readonly text: string;
}

/** Any generated document (its types aside). */
export function operationOf(document: object): OperationText {
  const id = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  const text = typeof id === "string" ? TEXTS[id] : undefined;
  // Only a generated document can be passed, and codegen writes both files at once: this is a stale generation.
  if (typeof id !== "string" || text === undefined) throw new Error(`unknown document ${String(id)}: run npm run codegen`);
  return { id, text };
}
