// GraphQL `FlagSource`, `FlagDecision` and `FlagsDecision` (SPEC §16): what `decideFlags` answers.

import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import type { JsonObject } from "../../engine/types";
import { JSONScalar } from "./scalars";

export enum FlagSourceEnum {
  FORCED = "FORCED",
  EXPERIMENT = "EXPERIMENT",
  ROLLOUT = "ROLLOUT",
  DEFAULT = "DEFAULT",
}
registerEnumType(FlagSourceEnum, { name: "FlagSource" });

@ObjectType("FlagDecision")
export class FlagDecisionType {
  @Field(() => String) flag!: string;
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => JSONScalar, { description: "the defaults deep-merged with the rule's or the variant's" }) variables!: JsonObject;
  @Field(() => String, { nullable: true, description: "the rule that decided; null for DEFAULT" }) rule!: string | null;
  @Field(() => String, { nullable: true, description: "a variant key, or on / off for DELIVERY rules; null for DEFAULT" }) variation!: string | null;
  @Field(() => FlagSourceEnum) source!: FlagSourceEnum;
  @Field(() => [String], { nullable: true, description: "only with explain" }) reasons!: string[] | null;
}

@ObjectType("FlagsDecision")
export class FlagsDecisionType {
  @Field(() => Int, { description: "the configuration version every flag was decided on" }) configVersion!: number;
  @Field(() => [FlagDecisionType], { description: "in the order asked, or sorted by key without keys" }) flags!: FlagDecisionType[];
}
