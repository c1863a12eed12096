// Layers: queries and mutations, each one line into LayerService.

import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { AppContext } from "../context";
import { CreateLayerInput, SlotRangeInput, UpdateLayerInput } from "../types/layer.input";
import { LayerType } from "../types/layer.type";

@Resolver(() => LayerType)
export class LayerResolver {
  @Query(() => LayerType, { nullable: true, description: "any layer by key, an experiment's implicit layer too; null when unknown" })
  async layer(@Arg("key", () => String) key: string, @Ctx() ctx: AppContext): Promise<LayerType | null> {
    const found = await ctx.services.reads.layer(key);
    return found && LayerType.from(found);
  }

  @Query(() => [LayerType], { description: "explicit layers, sorted by priority then key" })
  async layers(@Arg("service", () => String, { nullable: true }) service: string | null, @Ctx() ctx: AppContext): Promise<LayerType[]> {
    return (await ctx.services.reads.layers(service ?? null)).map(LayerType.from);
  }

  @Mutation(() => LayerType)
  async createLayer(@Arg("input", () => CreateLayerInput) input: CreateLayerInput, @Ctx() ctx: AppContext): Promise<LayerType> {
    return LayerType.from(await ctx.services.layers.create(input, ctx.caller));
  }

  @Mutation(() => LayerType)
  async updateLayer(
    @Arg("key", () => String) key: string,
    @Arg("input", () => UpdateLayerInput) input: UpdateLayerInput,
    @Ctx() ctx: AppContext,
  ): Promise<LayerType> {
    return LayerType.from(await ctx.services.layers.update(key, input, ctx.caller));
  }

  @Mutation(() => LayerType)
  async setLayerRanges(
    @Arg("key", () => String) key: string,
    @Arg("ranges", () => [SlotRangeInput]) ranges: SlotRangeInput[],
    @Ctx() ctx: AppContext,
  ): Promise<LayerType> {
    return LayerType.from(await ctx.services.layers.setRanges(key, ranges, ctx.caller));
  }
}
