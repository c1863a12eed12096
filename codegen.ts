// graphql-codegen's configuration: the typed documents of client/ from the checked-in schema.graphql and
// client/operations/*.graphql, with the persisted-documents manifest (TRUSTED_DOCUMENTS on the server).
// CODEGEN_OUT writes elsewhere (the staleness test compares a fresh generation with the checked-in one).

import type { CodegenConfig } from "@graphql-codegen/cli";

const out = process.env.CODEGEN_OUT ?? "client/src/generated/";

const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["client/operations/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    [out.endsWith("/") ? out : `${out}/`]: {
      preset: "client",
      presetConfig: {
        // Fragments only share selections here: results are plain objects, not masked references.
        fragmentMasking: false,
        persistedDocuments: { mode: "replaceDocumentWithHash", hashAlgorithm: "sha256" },
      },
      config: {
        // Documents as strings: the client needs no graphql-js at run time (browsers stay small).
        documentMode: "string",
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { JSON: "unknown", DateTime: "string" },
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
      },
    },
  },
};

export default config;
