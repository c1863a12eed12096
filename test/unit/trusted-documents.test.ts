// TrustedDocuments: a manifest is checked when the server starts; documents match whatever their whitespace;
// a body naming its document by id gets the text in place of the id.

import { createHash } from "node:crypto";
import { parse } from "graphql";
import { TrustedDocuments, TrustedDocumentsError, documentIdOf, withDocumentText } from "../../src/api/trusted-documents";

const TEXT = "query Version { configVersion }";
const ID = `sha256:${createHash("sha256").update(TEXT).digest("hex")}`;

it("finds a document by its id, by the bare sha256, and by any other id the manifest gives it", () => {
  const documents = new TrustedDocuments({ [ID]: TEXT, "my-id": "query Me { me { name } }" }, "m.json");
  expect(documents.size).toBe(2);
  expect(documents.textOf(ID)).toBe(TEXT);
  expect(documents.textOf(ID.slice("sha256:".length))).toBe(TEXT);
  expect(documents.textOf("my-id")).toBe("query Me { me { name } }");
  expect(documents.textOf("sha256:00")).toBeUndefined();
  expect(documents.holds(parse("query Version {\n  configVersion # the version\n}"))).toBe(true);
  expect(documents.holds(parse("query Version { configVersion me { name } }"))).toBe(false);
  expect(documents.holds(parse("query Other { configVersion }"))).toBe(false);
});

it.each([
  [[TEXT], /a JSON object/],
  [{ [ID]: 42 }, /must be a GraphQL document/],
  [{ "sha256:abc": TEXT }, /not the sha256 of its document/],
  [{ x: "query {" }, /does not parse/],
])("refuses the manifest %j", (manifest, message) => {
  expect(() => new TrustedDocuments(manifest, "m.json")).toThrow(TrustedDocumentsError);
  expect(() => new TrustedDocuments(manifest, "m.json")).toThrow(message);
});

it("refuses a missing file, naming it", () => {
  expect(() => TrustedDocuments.load("/nonexistent/manifest.json")).toThrow(/TRUSTED_DOCUMENTS: cannot read \/nonexistent\/manifest.json: ENOENT/);
});

it("reads the id of a body that sends no query, and puts the text in its place", () => {
  expect(documentIdOf({ documentId: ID, variables: {} })).toBe(ID);
  expect(documentIdOf({ extensions: { persistedQuery: { version: 1, sha256Hash: "ab" } } })).toBe("ab");
  expect(documentIdOf({ query: TEXT, documentId: ID })).toBeNull();
  expect(documentIdOf({ query: TEXT, extensions: { persistedQuery: { sha256Hash: "ab" } } })).toBeNull();
  expect(documentIdOf([{ documentId: ID }])).toBeNull();
  expect(withDocumentText({ documentId: ID, variables: { a: 1 } }, TEXT)).toEqual({ query: TEXT, variables: { a: 1 } });
  expect(withDocumentText({ extensions: { persistedQuery: { sha256Hash: "ab" }, trace: true } }, TEXT)).toEqual({ query: TEXT, extensions: { trace: true } });
});
