// The JSON and DateTime scalars of the contract, from graphql-scalars.

export { GraphQLDateTime as DateTimeScalar, GraphQLJSON as JSONScalar } from "graphql-scalars";
