// GraphQL inputs for creating and changing experiments.

import { Field, InputType, Int } from "type-graphql";
import type { JsonObject, JsonValue } from "../../engine/types";
import { JSONScalar } from "./scalars";

@InputType("VariantInput")
export class VariantInput {
  @Field(() => String) key!: string;
  @Field(() => Int) weight!: number;
  // No schema default: graphql-js cannot print an object default of a custom scalar.
  @Field(() => JSONScalar, { nullable: true, description: "A JSON object; omitted → {}." }) params?: JsonValue;
  @Field(() => Int, { nullable: true, description: "Assigned when omitted; unique across the server." }) vid?: number | null;
}

@InputType("VariantWeightInput")
export class VariantWeightInput {
  @Field(() => String) key!: string;
  @Field(() => Int) weight!: number;
}

@InputType("CreateExperimentInput")
export class CreateExperimentInput {
  @Field(() => String) key!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [String], { nullable: true, defaultValue: [] }) services?: string[] | null;
  @Field(() => String, { nullable: true, description: "Explicit layer key; omitted → the experiment's own implicit layer." })
  layer?: string | null;
  @Field(() => Int, { nullable: true, description: "Slots owned in the layer (default: all 10,000)." }) traffic?: number | null;
  @Field(() => [VariantInput]) variants!: VariantInput[];
  @Field(() => JSONScalar, { nullable: true, description: "Targeting rule; omitted → everyone." }) rule?: JsonObject | null;
  @Field(() => String, { nullable: true }) exclusionGroup?: string | null;
}

@InputType("UpdateExperimentInput")
export class UpdateExperimentInput {
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [String], { nullable: true }) services?: string[] | null;
  @Field(() => JSONScalar, { nullable: true }) rule?: JsonObject | null;
  @Field(() => String, { nullable: true }) exclusionGroup?: string | null;
  @Field(() => [VariantInput], { nullable: true }) variants?: VariantInput[] | null;
}
