// An Apollo plugin: a subscription sent by POST or GET is bad input naming graphql-ws, not an internal error.

import type { ApolloServerPlugin, GraphQLRequestListener } from "@apollo/server";
import { GraphQLError } from "graphql";
import { NOT_OVER_GRAPHQL_WS } from "../services/config-change-feed";
import type { AppContext } from "./context";

/** graphql-js would run a subscription's per-event resolver once, with no event, and fail inside it. */
const REFUSE: GraphQLRequestListener<AppContext> = {
  async didResolveOperation({ operation }) {
    if (operation?.operation === "subscription") {
      throw new GraphQLError(NOT_OVER_GRAPHQL_WS, { extensions: { code: "BAD_USER_INPUT", field: "query", http: { status: 400 } } });
    }
  },
};

export const refuseSubscriptionsOverHttp: ApolloServerPlugin<AppContext> = {
  requestDidStart: async () => REFUSE,
};
