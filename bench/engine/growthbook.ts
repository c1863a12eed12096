// The GrowthBook SDK contender: GrowthBookClient.evalFeature on a feature equivalent to the Tessera experiment.

import { GrowthBookClient, type UserContext } from "@growthbook/growthbook";
import { type BenchContext, GROWTHBOOK_CONDITION } from "../workload";
import { CONTEXT_MASK, type Contender } from "./sampler";

export const FEATURE_KEY = "bench-feature";

export interface GrowthBookContender extends Contender {
  /** Variation index per context (-1: not in the experiment), to prove it really buckets. */
  variationOf(i: number): number;
}

export function growthbookContender(contexts: readonly BenchContext[]): GrowthBookContender {
  const client = new GrowthBookClient();
  // initSync with a payload: no network, no streaming, exactly what a server-side SDK evaluates.
  client.initSync({
    payload: {
      features: {
        [FEATURE_KEY]: {
          defaultValue: null,
          rules: [
            {
              key: "bench_e0",
              condition: GROWTHBOOK_CONDITION,
              hashAttribute: "user_id",
              seed: "bench_e0",
              hashVersion: 2,
              coverage: 1,
              variations: [
                { ranker: { model: "m0_control", boost: 0 } },
                { ranker: { model: "m0_treatment", boost: 0 } },
              ],
              weights: [0.5, 0.5],
            },
          ],
        },
      },
    },
    streaming: false,
  });
  // One user context per context, built once: the SDK's own per-call work is what is measured.
  const users: UserContext[] = contexts.map((c) => ({ attributes: { ...c } }));
  const variationOf = (i: number) => {
    const r = client.evalFeature(FEATURE_KEY, users[i]).experimentResult;
    return r?.inExperiment ? r.variationId : -1;
  };
  return {
    name: "GrowthBook",
    variationOf,
    run(ops, offset) {
      let acc = 0;
      for (let i = 0; i < ops; i++) {
        const r = client.evalFeature(FEATURE_KEY, users[(offset + i) & CONTEXT_MASK]);
        acc += r.experimentResult?.inExperiment ? r.experimentResult.variationId + 1 : 0;
      }
      return acc;
    },
  };
}
