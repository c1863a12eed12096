// GraphQL `ConfigChange`: one committed configuration change, as subscribers and `configChanges` see it.

import { Field, Int, ObjectType } from "type-graphql";
import type { ConfigChangeEvent } from "../../services/config-change-feed";

@ObjectType("ConfigChange")
export class ConfigChangeType {
  @Field(() => Int, { description: "the configuration version this change produced" }) version!: number;
  @Field(() => String, { description: "experiment, layer, flag, api_key or import" }) kind!: string;
  @Field(() => [String]) keys!: string[];
  @Field(() => [String], { description: "the services the change touches, before and after it" }) services!: string[];
  @Field(() => String, { description: "the history mutation name, e.g. started or layer_updated" }) mutation!: string;
  @Field(() => String, { nullable: true, description: "who made it: the x-actor header when sent, else the key's name" }) actor!: string | null;
  @Field(() => String, { nullable: true, description: "the name of the API key it was made with; null with AUTH=off" }) apiKey!: string | null;
  @Field(() => Date) at!: Date;

  static from(e: ConfigChangeEvent): ConfigChangeType {
    return Object.assign(new ConfigChangeType(), {
      version: e.version,
      kind: e.kind,
      keys: [...e.keys],
      services: [...e.services],
      mutation: e.mutation,
      actor: e.actor,
      apiKey: e.apiKey,
      at: e.at,
    });
  }
}
