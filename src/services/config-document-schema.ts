// The published JSON Schema of `tessera.config/v1` (schemas/), checked by Ajv before anything is planned:
// a document of the wrong shape is refused at the JSON path of its first fault.

import Ajv2020, { type ErrorObject } from "ajv/dist/2020";
import type { ConfigDocumentInput } from "../engine/config-document";
import { badInput } from "../engine/errors";
import schema from "../../schemas/tessera.config.v1.schema.json";

// Ajv over a hand-written checker: the schema is published for editors and CI linters, and Ajv runs that
// very file, so what the server accepts and what the schema says cannot drift apart.
const validate = new Ajv2020({ strict: true, allErrors: false }).compile<ConfigDocumentInput>(schema);

/** `/experiments/3/variants/0/weight` under `document` → `document.experiments[3].variants[0].weight`. */
function pathOf(base: string, pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : `${path}.${part}`), base);
}

function explain(base: string, error: ErrorObject): { field: string; message: string } {
  const at = pathOf(base, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": return { field: `${at}.${String(params.missingProperty)}`, message: "is required" };
    case "additionalProperties": return { field: `${at}.${String(params.additionalProperty)}`, message: "is not a field of tessera.config/v1 here" };
    case "dependentRequired": return { field: `${at}.${String(params.missingProperty)}`, message: `is required with ${String(params.property)}` };
    case "const": return { field: at, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case "enum": return { field: at, message: `must be one of ${(params.allowedValues as unknown[]).join(", ")}` };
    default: return { field: at, message: error.message ?? "is not valid" };
  }
}

/** The document when its shape is that of the schema; otherwise BAD_USER_INPUT at the path of its first fault. */
export function checkConfigDocument(value: unknown, base = "document"): ConfigDocumentInput {
  if (validate(value)) return value;
  const { field, message } = explain(base, validate.errors![0]!);
  throw badInput(field, `${field} ${message}`);
}
