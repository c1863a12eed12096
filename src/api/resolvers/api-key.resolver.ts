// API keys (SPEC §13), each one line into ApiKeyService; who may call them is the AccessGate's rule.

import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { AppContext } from "../context";
import { ApiKeyType, CreateApiKeyInput, CreatedApiKeyType } from "../types/api-key.type";

@Resolver(() => ApiKeyType)
export class ApiKeyResolver {
  @Query(() => [ApiKeyType], { description: "every key, revoked ones too (the bootstrap key first while TESSERA_ADMIN_KEY is set)" })
  async apiKeys(@Ctx() ctx: AppContext): Promise<ApiKeyType[]> {
    return (await ctx.services.apiKeys.list()).map(ApiKeyType.from);
  }

  @Query(() => ApiKeyType, { description: "the key this request is made with" })
  async me(@Ctx() ctx: AppContext): Promise<ApiKeyType> {
    return ApiKeyType.from(await ctx.services.apiKeys.me(ctx.caller));
  }

  @Mutation(() => CreatedApiKeyType, { description: "the secret is in this answer only" })
  async createApiKey(@Arg("input", () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: AppContext): Promise<CreatedApiKeyType> {
    return CreatedApiKeyType.from(await ctx.services.apiKeys.create(input, ctx.caller));
  }

  @Mutation(() => ApiKeyType, { description: "refused on every instance within the propagation bound; its open sockets are closed (4403)" })
  async revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() ctx: AppContext): Promise<ApiKeyType> {
    return ApiKeyType.from(await ctx.services.apiKeys.revoke(id, ctx.caller));
  }
}
