// Baseline "Apollo": Apollo Server 5 behind node:http (as STACK.md), constant resolvers; graphql-js as shipped.

import http from "node:http";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { GraphQLJSON } from "graphql-scalars";
import { serveAsChild } from "./child-entry";
import { constantDecision } from "./requests";

/** The same types and field names as Tessera's Decision, so the batch comparison runs the same documents. */
const typeDefs = `#graphql
  scalar JSON
  enum DecisionSource { OVERRIDE STICKY BUCKET WINNER }
  input DecideInput { services: [String!]!, context: JSON!, requestId: String }
  type ExperimentDecision { experiment: String!, variant: String!, vid: Int!, layer: String!, slot: Int!, source: DecisionSource! }
  type ServiceDecision { service: String!, parameters: JSON!, vids: [Int!]!, matchedLayers: [String!]!, experiments: [ExperimentDecision!]!, reasons: [String!] }
  type Decision { configVersion: Int!, results: [ServiceDecision!]! }
  type Query { hello: String!, decideBatch(requests: [DecideInput!]!, explain: Boolean = false): [Decision!]! }
`;

const decision = constantDecision();
const resolvers = {
  JSON: GraphQLJSON,
  Query: {
    hello: () => "world",
    // One constant item per request (100 in the benchmark): the answer costs Apollo its serialization, nothing more.
    decideBatch: (_: unknown, args: { requests: unknown[] }) => args.requests.map(() => decision),
  },
};

async function main(): Promise<void> {
  const apollo = new ApolloServer({ typeDefs, resolvers });
  await apollo.start();
  const server = http.createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      const text = Buffer.concat(chunks).toString("utf8");
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? "POST", headers, search: new URL(req.url ?? "/", "http://x").search, body: text ? JSON.parse(text) : undefined },
        context: async () => ({}),
      });
      res.statusCode = result.status ?? 200;
      for (const [key, value] of result.headers) res.setHeader(key, value);
      if (result.body.kind === "complete") res.end(result.body.string);
      else {
        for await (const part of result.body.asyncIterator) res.write(part);
        res.end();
      }
    } catch (error) {
      res.statusCode = 400;
      res.end(JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] }));
    }
  });
  serveAsChild(server);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
