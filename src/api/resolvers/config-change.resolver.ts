// Configuration changes (SPEC §10): the stored log and the configChanged subscription, one line each into ConfigChangeFeed.

import { Arg, Ctx, Int, Query, Resolver, Root, type SubscribeResolverData, Subscription } from "type-graphql";
import type { ConfigChangeEvent } from "../../services/config-change-feed";
import type { AppContext } from "../context";
import { ConfigChangeType } from "../types/config-change.type";

interface ConfigChangedArgs {
  readonly services?: string[] | null;
  readonly since?: number | null;
}

@Resolver(() => ConfigChangeType)
export class ConfigChangeResolver {
  @Query(() => [ConfigChangeType], { description: "stored changes after `since`, oldest first; limit 1-1,000" })
  async configChanges(
    @Arg("since", () => Int) since: number,
    @Arg("limit", () => Int, { nullable: true, defaultValue: 100 }) limit: number | null,
    @Ctx() ctx: AppContext,
  ): Promise<ConfigChangeType[]> {
    return (await ctx.services.changeFeed.list(since, limit, ctx.caller.key)).map(ConfigChangeType.from);
  }

  @Subscription(() => ConfigChangeType, {
    description:
      "every committed change, in version order, each once; `services`: only changes touching one of them; " +
      "`since`: the stored changes after that version first, then live ones, with no gap and no repeat",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, ConfigChangedArgs, AppContext>) =>
      context.services.changeFeed.subscribe(args, context.subscriber, context.caller.key),
  })
  configChanged(
    @Root() change: ConfigChangeEvent,
    @Arg("services", () => [String], { nullable: true }) _services: string[] | null,
    @Arg("since", () => Int, { nullable: true }) _since: number | null,
  ): ConfigChangeType {
    return ConfigChangeType.from(change);
  }
}
