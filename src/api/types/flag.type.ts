// GraphQL `Flag`, `FlagRule` and `ForcedDecision` (SPEC §16): what clients see of a feature flag.

import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import type { Flag, FlagRule, ForcedDecision } from "../../engine/flag-definition";
import type { JsonObject } from "../../engine/types";
import { JSONScalar } from "./scalars";

export enum FlagRuleTypeEnum {
  EXPERIMENT = "EXPERIMENT",
  DELIVERY = "DELIVERY",
}
registerEnumType(FlagRuleTypeEnum, { name: "FlagRuleType" });

@ObjectType("FlagRule")
export class FlagRuleType {
  @Field(() => String) key!: string;
  @Field(() => FlagRuleTypeEnum) type!: FlagRuleTypeEnum;
  @Field(() => String, { nullable: true, description: "The experiment an EXPERIMENT rule names." }) experiment!: string | null;
  @Field(() => JSONScalar, { nullable: true, description: "A targeting rule (SPEC §4); null: everyone." }) audience!: JsonObject | null;
  @Field(() => Int, { description: "Slots of 10,000 a DELIVERY rule serves (10,000 for EXPERIMENT rules)." }) traffic!: number;
  @Field(() => Boolean, { description: "What a DELIVERY rule that applies serves (true for EXPERIMENT rules)." }) enabled!: boolean;
  @Field(() => JSONScalar, { description: "Merged onto the flag's variables when a DELIVERY rule applies." }) variables!: JsonObject;

  static from(r: FlagRule): FlagRuleType {
    return Object.assign(new FlagRuleType(), { ...r, type: r.type as FlagRuleTypeEnum });
  }
}

@ObjectType("Flag")
export class FlagType {
  @Field(() => String) key!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => [String]) services!: string[];
  @Field(() => Boolean, { description: "false: the kill switch, every decision DEFAULT." }) enabled!: boolean;
  @Field(() => String, { description: "The context attribute naming the actor." }) hashKey!: string;
  @Field(() => JSONScalar, { description: "The default variables." }) variables!: JsonObject;
  @Field(() => [FlagRuleType], { description: "In decision order." }) rules!: FlagRuleType[];
  @Field(() => Boolean) archived!: boolean;
  @Field(() => Int, { description: "Increases with every change of this flag, forced decisions included." }) version!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;

  static from(f: Flag): FlagType {
    return Object.assign(new FlagType(), { ...f, services: [...f.services], rules: f.rules.map(FlagRuleType.from) });
  }
}

@ObjectType("ForcedDecision")
export class ForcedDecisionType {
  @Field(() => String) flag!: string;
  @Field(() => String) rule!: string;
  @Field(() => String) actor!: string;
  @Field(() => String, { description: "A variant key of the rule's experiment, or on / off for a DELIVERY rule." }) variation!: string;

  static from(d: ForcedDecision): ForcedDecisionType {
    return Object.assign(new ForcedDecisionType(), { flag: d.flag, rule: d.rule, actor: d.actor, variation: d.variation });
  }
}
