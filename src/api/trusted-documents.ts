// TrustedDocuments: the persisted-documents manifest of TRUSTED_DOCUMENTS (id → document text), and the
// documents a request may name by id instead of sending their text.

import { createHash } from "node:crypto";
import fs from "node:fs";
import { type DocumentNode, parse, print } from "graphql";
import { queryParseOptions } from "./query-limits";

/** The id of a text: the GraphQL-over-HTTP persisted documents' `sha256:<hex>` (graphql-codegen's client preset writes these). */
const idOf = (text: string): string => `sha256:${createHash("sha256").update(text).digest("hex")}`;

export class TrustedDocumentsError extends Error {}

export class TrustedDocuments {
  private readonly texts = new Map<string, string>();
  /** The documents as graphql-js prints them: a request's document is trusted when it prints the same (whitespace and comments aside). */
  private readonly printed = new Set<string>();

  /** `manifest`: `{"<id>": "<document text>"}`; an id of the form sha256:<hex> must be the text's. */
  constructor(manifest: unknown, source: string) {
    if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) {
      throw new TrustedDocumentsError(`${source}: a persisted-documents manifest is a JSON object {"<id>": "<document>"}`);
    }
    for (const [id, text] of Object.entries(manifest)) {
      if (typeof text !== "string") throw new TrustedDocumentsError(`${source}: $["${id.slice(0, 80)}"] must be a GraphQL document (a string)`);
      if (id.startsWith("sha256:") && id !== idOf(text)) throw new TrustedDocumentsError(`${source}: $["${id.slice(0, 80)}"] is not the sha256 of its document`);
      let document: DocumentNode;
      try {
        document = parse(text, queryParseOptions);
      } catch (error) {
        throw new TrustedDocumentsError(`${source}: $["${id.slice(0, 80)}"] does not parse: ${(error as Error).message}`);
      }
      this.texts.set(id, text);
      this.texts.set(idOf(text), text);
      this.printed.add(print(document));
    }
  }

  static load(file: string): TrustedDocuments {
    let raw: string;
    try {
      raw = fs.readFileSync(file, "utf8");
    } catch (error) {
      throw new TrustedDocumentsError(`TRUSTED_DOCUMENTS: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    try {
      return new TrustedDocuments(JSON.parse(raw), file);
    } catch (error) {
      if (error instanceof TrustedDocumentsError) throw error;
      throw new TrustedDocumentsError(`${file}: not JSON: ${(error as Error).message}`);
    }
  }

  get size(): number {
    return this.printed.size;
  }

  /** The text an id names: the manifest's own id, or sha256:<hex> (Apollo's `persistedQuery.sha256Hash` is the bare hex). */
  textOf(id: string): string | undefined {
    return this.texts.get(id) ?? this.texts.get(`sha256:${id}`);
  }

  /** Is this parsed document one of the manifest's? */
  holds(document: DocumentNode): boolean {
    return this.printed.has(print(document));
  }
}

interface PersistedBody {
  readonly query?: unknown;
  readonly documentId?: unknown;
  readonly extensions?: { readonly persistedQuery?: { readonly sha256Hash?: unknown } } | null;
}

/**
 * The document id of a POST body that names its document only by id: `documentId` (GraphQL over HTTP's
 * persisted documents) or Apollo's `extensions.persistedQuery.sha256Hash`. Null: it sends a query (or nothing).
 */
export function documentIdOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const { query, documentId, extensions } = body as PersistedBody;
  if (query !== undefined && query !== null && query !== "") return null;
  if (typeof documentId === "string") return documentId;
  const hash = extensions?.persistedQuery?.sha256Hash;
  return typeof hash === "string" ? hash : null;
}

/** The body with the document's text in place of its id (and without the id, so Apollo's own persisted queries do not look it up again). */
export function withDocumentText(body: object, text: string): object {
  const { documentId: _id, extensions, ...rest } = body as PersistedBody & Record<string, unknown>;
  const { persistedQuery: _persisted, ...otherExtensions } = (extensions ?? {}) as Record<string, unknown>;
  return Object.keys(otherExtensions).length === 0 ? { ...rest, query: text } : { ...rest, query: text, extensions: otherExtensions };
}
