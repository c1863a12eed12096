// The one time a secret is shown by the server (SPEC §13): the ADMIN key of a first start, on
// stdout, outside the logger (log lines are kept and shipped; secrets must never be in them).

import type { CreatedApiKey } from "./services/api-key.service";

export function announceFirstKey(created: CreatedApiKey): void {
  process.stdout.write(
    [
      "",
      "  Tessera created its first API key (ADMIN). It is shown this once; only its digest is stored:",
      "",
      `      ${created.secret}`,
      "",
      "  Send it as  Authorization: Bearer <key>  (export TESSERA_KEY=<key> for the README's examples).",
      "  Make keys for people and services with the createApiKey mutation or `npm run keys -- create`.",
      "",
      "",
    ].join("\n"),
  );
}
