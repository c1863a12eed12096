// The AccessGate on Apollo's path: every operation is admitted after it is parsed, validated and
// resolved, before anything runs.

import type { ApolloServerPlugin } from "@apollo/server";
import type { AccessGate } from "./access-gate";
import type { AppContext } from "./context";

export function accessPlugin(gate: AccessGate): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, request }) {
          // The fast path admitted (and charged) this very request, then handed it over to give its error answer.
          if (contextValue.admitted === true || operation === undefined) return;
          const refusal = gate.admit(contextValue.caller, gate.accessOf(document, operation), request.variables);
          if (refusal) throw refusal.toGraphQLError();
        },
      };
    },
  };
}
