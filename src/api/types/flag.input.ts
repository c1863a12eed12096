// GraphQL inputs for creating and changing feature flags (SPEC §16).

import { Field, InputType, Int } from "type-graphql";
import type { JsonValue } from "../../engine/types";
import { FlagRuleTypeEnum } from "./flag.type";
import { JSONScalar } from "./scalars";

// JSON inputs have no schema default: graphql-js cannot print an object default of a custom scalar.
@InputType("FlagRuleInput")
export class FlagRuleInput {
  @Field(() => String) key!: string;
  @Field(() => FlagRuleTypeEnum) type!: FlagRuleTypeEnum;
  @Field(() => String, { nullable: true, description: "Required for EXPERIMENT rules, refused on DELIVERY rules." }) experiment?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: "A targeting rule (SPEC §4); omitted → everyone." }) audience?: JsonValue | null;
  @Field(() => Int, { nullable: true, defaultValue: 10_000 }) traffic?: number | null;
  @Field(() => Boolean, { nullable: true, defaultValue: true }) enabled?: boolean | null;
  @Field(() => JSONScalar, { nullable: true, description: "A JSON object; omitted → {}." }) variables?: JsonValue | null;
}

@InputType("CreateFlagInput")
export class CreateFlagInput {
  @Field(() => String) key!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [String], { nullable: true, defaultValue: [] }) services?: string[] | null;
  @Field(() => String, { nullable: true, defaultValue: "user_id" }) hashKey?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: "The default variables, a JSON object; omitted → {}." }) variables?: JsonValue | null;
  @Field(() => [FlagRuleInput], { nullable: true, defaultValue: [] }) rules?: FlagRuleInput[] | null;
}

@InputType("UpdateFlagInput")
export class UpdateFlagInput {
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [String], { nullable: true }) services?: string[] | null;
  @Field(() => JSONScalar, { nullable: true }) variables?: JsonValue | null;
}
