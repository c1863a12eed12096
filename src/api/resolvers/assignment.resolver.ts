// Assignments, overrides and exposure counts, each one line into AssignmentService.

import { Arg, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import type { JsonValue } from "../../engine/types";
import type { AppContext } from "../context";
import { AssignmentType, ExposureType, OverrideType, VariantCountType } from "../types/assignment.type";
import { JSONScalar } from "../types/scalars";

@Resolver()
export class AssignmentResolver {
  @Mutation(() => AssignmentType, { nullable: true, description: "null: the actor is not in the experiment" })
  assign(
    @Arg("experiment", () => String) experiment: string,
    @Arg("actor", () => String) actor: string,
    @Arg("context", () => JSONScalar, { nullable: true }) context: JsonValue | null,
    @Arg("requestId", () => String, { nullable: true }) requestId: string | null,
    @Ctx() ctx: AppContext,
  ): Promise<AssignmentType | null> {
    return ctx.services.assignments.assign(experiment, actor, context, requestId, ctx.caller);
  }

  @Query(() => AssignmentType, { nullable: true })
  assignment(
    @Arg("experiment", () => String) experiment: string,
    @Arg("actor", () => String) actor: string,
    @Ctx() ctx: AppContext,
  ): Promise<AssignmentType | null> {
    return ctx.services.assignments.assignment(experiment, actor);
  }

  @Query(() => [VariantCountType])
  exposureCounts(@Arg("experiment", () => String) experiment: string, @Ctx() ctx: AppContext): Promise<VariantCountType[]> {
    return ctx.services.assignments.exposureCounts(experiment);
  }

  @Query(() => [ExposureType], { description: "exposure records, newest first; limit 0 = all" })
  exposures(
    @Arg("experiment", () => String) experiment: string,
    @Arg("actor", () => String, { nullable: true }) actor: string | null,
    @Arg("limit", () => Int, { nullable: true, defaultValue: 100 }) limit: number,
    @Ctx() ctx: AppContext,
  ): Promise<ExposureType[]> {
    return ctx.services.assignments.exposureLog(experiment, actor ?? null, limit);
  }

  @Mutation(() => OverrideType)
  setOverride(
    @Arg("experiment", () => String) experiment: string,
    @Arg("actor", () => String) actor: string,
    @Arg("variant", () => String) variant: string,
    @Ctx() ctx: AppContext,
  ): Promise<OverrideType> {
    return ctx.services.assignments.setOverride(experiment, actor, variant, ctx.caller);
  }

  @Mutation(() => Boolean, { description: "false when the actor had no override" })
  clearOverride(
    @Arg("experiment", () => String) experiment: string,
    @Arg("actor", () => String) actor: string,
    @Ctx() ctx: AppContext,
  ): Promise<boolean> {
    return ctx.services.assignments.clearOverride(experiment, actor, ctx.caller);
  }
}
