// GraphQL inputs for creating and changing layers.

import { Field, InputType, Int } from "type-graphql";
import type { JsonValue } from "../../engine/types";
import { JSONScalar } from "./scalars";

@InputType("CreateLayerInput")
export class CreateLayerInput {
  @Field(() => String) key!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Int, { nullable: true, defaultValue: 0 }) priority?: number | null;
  @Field(() => [String]) services!: string[];
  @Field(() => String, { nullable: true, defaultValue: "user_id" }) hashKey?: string | null;
  @Field(() => String, { nullable: true, description: "Omitted → the layer key." }) salt?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: "A JSON object; omitted → {}." }) defaultParams?: JsonValue | null;
}

@InputType("UpdateLayerInput")
export class UpdateLayerInput {
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Int, { nullable: true }) priority?: number | null;
  @Field(() => [String], { nullable: true }) services?: string[] | null;
  @Field(() => JSONScalar, { nullable: true }) defaultParams?: JsonValue | null;
  @Field(() => Boolean, { nullable: true }) enabled?: boolean | null;
}

@InputType("SlotRangeInput")
export class SlotRangeInput {
  @Field(() => Int) start!: number;
  @Field(() => Int) end!: number;
  @Field(() => Int) vid!: number;
}
