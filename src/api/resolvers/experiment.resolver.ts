// Experiments: queries and lifecycle mutations, each one line into ExperimentService.

import { Arg, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import type { AppContext } from "../context";
import { ChangeRecordType } from "../types/assignment.type";
import { CreateExperimentInput, UpdateExperimentInput, VariantWeightInput } from "../types/experiment.input";
import { ExperimentStateEnum, ExperimentType, WeightChangeType } from "../types/experiment.type";

@Resolver(() => ExperimentType)
export class ExperimentResolver {
  @Query(() => ExperimentType, { nullable: true, description: "null when unknown" })
  async experiment(@Arg("key", () => String) key: string, @Ctx() ctx: AppContext): Promise<ExperimentType | null> {
    const found = await ctx.services.reads.experiment(key);
    return found && ExperimentType.from(found);
  }

  @Query(() => [ExperimentType], { description: "sorted by key" })
  async experiments(
    @Arg("state", () => ExperimentStateEnum, { nullable: true }) state: ExperimentStateEnum | null,
    @Arg("service", () => String, { nullable: true }) service: string | null,
    @Ctx() ctx: AppContext,
  ): Promise<ExperimentType[]> {
    return (await ctx.services.reads.experiments({ state, service })).map(ExperimentType.from);
  }

  @Query(() => [ChangeRecordType], { description: "newest first; limit 0 = all" })
  history(
    @Arg("key", () => String) key: string,
    @Arg("limit", () => Int, { nullable: true, defaultValue: 50 }) limit: number,
    @Ctx() ctx: AppContext,
  ): Promise<ChangeRecordType[]> {
    return ctx.services.experiments.history(key, limit, ctx.caller.key);
  }

  @Query(() => Int)
  configVersion(@Ctx() ctx: AppContext): number | Promise<number> {
    return ctx.services.configVersion();
  }

  @Mutation(() => ExperimentType)
  async createExperiment(@Arg("input", () => CreateExperimentInput) input: CreateExperimentInput, @Ctx() ctx: AppContext): Promise<ExperimentType> {
    return ExperimentType.from(await ctx.services.experiments.create(input, ctx.caller));
  }

  @Mutation(() => ExperimentType)
  async updateExperiment(
    @Arg("key", () => String) key: string,
    @Arg("input", () => UpdateExperimentInput) input: UpdateExperimentInput,
    @Ctx() ctx: AppContext,
  ): Promise<ExperimentType> {
    return ExperimentType.from(await ctx.services.experiments.update(key, input, ctx.caller));
  }

  @Mutation(() => ExperimentType)
  async startExperiment(@Arg("key", () => String) key: string, @Ctx() ctx: AppContext): Promise<ExperimentType> {
    return ExperimentType.from(await ctx.services.experiments.start(key, ctx.caller));
  }

  @Mutation(() => ExperimentType)
  async concludeExperiment(
    @Arg("key", () => String) key: string,
    @Arg("winner", () => String) winner: string,
    @Ctx() ctx: AppContext,
  ): Promise<ExperimentType> {
    return ExperimentType.from(await ctx.services.experiments.conclude(key, winner, ctx.caller));
  }

  @Mutation(() => ExperimentType)
  async archiveExperiment(@Arg("key", () => String) key: string, @Ctx() ctx: AppContext): Promise<ExperimentType> {
    return ExperimentType.from(await ctx.services.experiments.archive(key, ctx.caller));
  }

  @Mutation(() => WeightChangeType)
  async setWeights(
    @Arg("key", () => String) key: string,
    @Arg("weights", () => [VariantWeightInput]) weights: VariantWeightInput[],
    @Arg("dryRun", () => Boolean, { nullable: true, defaultValue: false }) dryRun: boolean,
    @Ctx() ctx: AppContext,
  ): Promise<WeightChangeType> {
    return WeightChangeType.from(await ctx.services.allocation.setWeights(key, weights, dryRun, ctx.caller));
  }

  @Mutation(() => WeightChangeType)
  async setTraffic(
    @Arg("key", () => String) key: string,
    @Arg("traffic", () => Int) traffic: number,
    @Arg("dryRun", () => Boolean, { nullable: true, defaultValue: false }) dryRun: boolean,
    @Ctx() ctx: AppContext,
  ): Promise<WeightChangeType> {
    return WeightChangeType.from(await ctx.services.allocation.setTraffic(key, traffic, dryRun, ctx.caller));
  }
}
