// Feature flags (SPEC §16): queries and mutations, each one line into FlagService.

import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { AppContext } from "../context";
import { CreateFlagInput, FlagRuleInput, UpdateFlagInput } from "../types/flag.input";
import { FlagType, ForcedDecisionType } from "../types/flag.type";

@Resolver(() => FlagType)
export class FlagResolver {
  @Query(() => FlagType, { nullable: true, description: "null when unknown" })
  async flag(@Arg("key", () => String) key: string, @Ctx() ctx: AppContext): Promise<FlagType | null> {
    const found = await ctx.services.reads.flag(key);
    return found && FlagType.from(found);
  }

  @Query(() => [FlagType], { description: "sorted by key; archived flags included" })
  async flags(@Arg("service", () => String, { nullable: true }) service: string | null, @Ctx() ctx: AppContext): Promise<FlagType[]> {
    return (await ctx.services.reads.flags(service ?? null)).map(FlagType.from);
  }

  @Mutation(() => FlagType)
  async createFlag(@Arg("input", () => CreateFlagInput) input: CreateFlagInput, @Ctx() ctx: AppContext): Promise<FlagType> {
    return FlagType.from(await ctx.services.flags.create(input, ctx.caller));
  }

  @Mutation(() => FlagType)
  async updateFlag(
    @Arg("key", () => String) key: string,
    @Arg("input", () => UpdateFlagInput) input: UpdateFlagInput,
    @Ctx() ctx: AppContext,
  ): Promise<FlagType> {
    return FlagType.from(await ctx.services.flags.update(key, input, ctx.caller));
  }

  @Mutation(() => FlagType, { description: "replaces the rules, in decision order" })
  async setFlagRules(
    @Arg("key", () => String) key: string,
    @Arg("rules", () => [FlagRuleInput]) rules: FlagRuleInput[],
    @Ctx() ctx: AppContext,
  ): Promise<FlagType> {
    return FlagType.from(await ctx.services.flags.setRules(key, rules, ctx.caller));
  }

  @Mutation(() => FlagType, { description: "false is the kill switch" })
  async setFlagEnabled(@Arg("key", () => String) key: string, @Arg("enabled", () => Boolean) enabled: boolean, @Ctx() ctx: AppContext): Promise<FlagType> {
    return FlagType.from(await ctx.services.flags.setEnabled(key, enabled, ctx.caller));
  }

  @Mutation(() => FlagType, { description: "terminal: an archived flag refuses every change" })
  async archiveFlag(@Arg("key", () => String) key: string, @Ctx() ctx: AppContext): Promise<FlagType> {
    return FlagType.from(await ctx.services.flags.archive(key, ctx.caller));
  }

  @Mutation(() => ForcedDecisionType)
  async setForcedDecision(
    @Arg("flag", () => String) flag: string,
    @Arg("rule", () => String) rule: string,
    @Arg("actor", () => String) actor: string,
    @Arg("variation", () => String) variation: string,
    @Ctx() ctx: AppContext,
  ): Promise<ForcedDecisionType> {
    return ForcedDecisionType.from(await ctx.services.flags.setForcedDecision(flag, rule, actor, variation, ctx.caller));
  }

  @Mutation(() => Boolean, { description: "whether a forced decision was there to clear" })
  clearForcedDecision(
    @Arg("flag", () => String) flag: string,
    @Arg("rule", () => String) rule: string,
    @Arg("actor", () => String) actor: string,
    @Ctx() ctx: AppContext,
  ): Promise<boolean> {
    return ctx.services.flags.clearForcedDecision(flag, rule, actor, ctx.caller);
  }
}
