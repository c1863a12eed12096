// The mutation log (SPEC §14): one info line per mutation with its request id, key name, the
// configuration version served after it, its duration and its error codes. Mutations only run on
// Apollo's path (the fast path takes queries, graphql-ws subscriptions), so this plugin sees them all.

import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger } from "../logger";
import type { AppContext } from "./context";

/** `servedVersion`: the version this instance serves (a change catches it up before answering), null before the first load. */
export function mutationLogPlugin(logger: Logger, servedVersion: () => number | null): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, contextValue, response }) {
          if (operation?.operation !== "mutation") return;
          const body = response.body;
          const errors = (body.kind === "single" ? body.singleResult.errors : body.initialResult.errors) ?? [];
          const fields = operation.selectionSet.selections.flatMap((s) => (s.kind === "Field" ? [s.name.value] : []));
          logger.info(
            {
              requestId: contextValue.caller.requestId,
              key: contextValue.caller.key?.name ?? null,
              mutation: fields.join(","),
              configVersion: servedVersion(),
              ms: Math.round((performance.now() - started) * 10) / 10,
              ...(errors.length > 0 ? { errors: [...new Set(errors.map((e) => e.extensions?.code ?? "INTERNAL_SERVER_ERROR"))] } : {}),
            },
            "mutation",
          );
        },
      };
    },
  };
}
