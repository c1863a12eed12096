// decide and decideBatch, each one line into DecisionService.

import { Arg, Ctx, Query, Resolver } from "type-graphql";
import type { JsonValue } from "../../engine/types";
import type { Decision } from "../../services/decision.service";
import type { AppContext } from "../context";
import { DecideInput, DecisionType } from "../types/decision.type";
import { JSONScalar } from "../types/scalars";

@Resolver()
export class DecisionResolver {
  @Query(() => DecisionType, { description: "one snapshot per Decision" })
  decide(
    @Arg("services", () => [String]) services: string[],
    @Arg("context", () => JSONScalar) context: JsonValue,
    @Arg("requestId", () => String, { nullable: true }) requestId: string | null,
    @Arg("explain", () => Boolean, { nullable: true, defaultValue: false }) explain: boolean,
    @Ctx() ctx: AppContext,
  ): Decision | Promise<Decision> {
    return ctx.services.decisions.decide({ services, context, requestId }, explain ?? false, ctx.caller);
  }

  @Query(() => [DecisionType], { description: "at most 1,000 requests" })
  decideBatch(
    @Arg("requests", () => [DecideInput]) requests: DecideInput[],
    @Arg("explain", () => Boolean, { nullable: true, defaultValue: false }) explain: boolean,
    @Ctx() ctx: AppContext,
  ): Decision[] | Promise<Decision[]> {
    return ctx.services.decisions.decideBatch(requests, explain ?? false, ctx.caller);
  }
}
