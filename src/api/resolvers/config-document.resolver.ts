// Configuration as code (SPEC §15): exportConfig and importConfig, one line each into ConfigDocumentService.

import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { JsonValue } from "../../engine/types";
import type { AppContext } from "../context";
import { ConfigPlanType } from "../types/config-plan.type";
import { JSONScalar } from "../types/scalars";

@Resolver()
export class ConfigDocumentResolver {
  @Query(() => JSONScalar, { description: "everything that decides, as one tessera.config/v1 document (schemas/tessera.config.v1.schema.json), sorted by key" })
  async exportConfig(@Ctx() ctx: AppContext): Promise<JsonValue> {
    return (await ctx.services.reads.exportConfig()) as unknown as JsonValue;
  }

  @Mutation(() => ConfigPlanType, {
    description: "makes the configuration what the document says, in one transaction and one version; dryRun: the plan only; prune: archive what it does not list",
  })
  async importConfig(
    @Arg("document", () => JSONScalar) document: JsonValue,
    @Arg("dryRun", () => Boolean, { nullable: true, defaultValue: false }) dryRun: boolean | null,
    @Arg("prune", () => Boolean, { nullable: true, defaultValue: false }) prune: boolean | null,
    @Ctx() ctx: AppContext,
  ): Promise<ConfigPlanType> {
    return ConfigPlanType.from(await ctx.services.configDocuments.importDocument({ document, dryRun: dryRun ?? false, prune: prune ?? false }, ctx.caller));
  }
}
