// @tessera/client: the typed client of Tessera's GraphQL API.

export { TesseraClient, type TesseraClientOptions } from "./tessera-client";
export { ConfigChangeSubscription, type ConfigChange, type ConfigChangedOptions, type ReconnectOptions } from "./config-change-subscription";
export { TesseraError, type TesseraErrorCode, type GraphQLErrorBody } from "./tessera-error";
export type * from "./generated/graphql";
