// Baseline "bare" for the flags row: node:http answering a fixed decideFlags answer of the real one's size.

import xxhash from "xxhash-wasm";
import { fixedBodyServer, serveAsChild } from "../http/child-entry";
import { constantFlagsBody } from "./requests";
import { flagSpecs } from "./workload";

void xxhash().then(({ h32 }) => {
  // The flag keys the parent seeded: their length is part of the body's size.
  serveAsChild(fixedBodyServer(Buffer.from(constantFlagsBody(flagSpecs(process.env.BENCH_FLAG_PREFIX ?? "bench"), h32))));
});
