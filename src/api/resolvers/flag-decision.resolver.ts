// decideFlags, one line into FlagDecisionService. Its arguments are scalars, so the compiled fast
// path calls it directly (compiled-queries.ts callQueriesDirectly), as it calls decide.

import { Arg, Ctx, Query, Resolver } from "type-graphql";
import type { JsonValue } from "../../engine/types";
import type { FlagsDecision } from "../../services/flag-decision.service";
import type { AppContext } from "../context";
import { FlagsDecisionType } from "../types/flag-decision.type";
import { JSONScalar } from "../types/scalars";

@Resolver()
export class FlagDecisionResolver {
  @Query(() => FlagsDecisionType, { description: "the flags named (at most 1,000), or every flag the key may see, sorted by key" })
  decideFlags(
    @Arg("keys", () => [String], { nullable: true }) keys: string[] | null,
    @Arg("context", () => JSONScalar) context: JsonValue,
    @Arg("requestId", () => String, { nullable: true }) requestId: string | null,
    @Arg("explain", () => Boolean, { nullable: true, defaultValue: false }) explain: boolean,
    @Ctx() ctx: AppContext,
  ): FlagsDecision | Promise<FlagsDecision> {
    return ctx.services.flagDecisions.decideFlags(keys ?? null, context, requestId, explain ?? false, ctx.caller);
  }
}
