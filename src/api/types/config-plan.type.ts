// GraphQL `ConfigPlan` and `PlannedChange` (SPEC §15): what an import did, or would do with `dryRun`.

import { Field, Int, ObjectType } from "type-graphql";
import type { ConfigPlanResult } from "../../services/config-document.service";

@ObjectType("PlannedChange")
export class PlannedChangeType {
  @Field(() => String, { description: "layer, experiment or flag" }) kind!: string;
  @Field(() => String) key!: string;
  @Field(() => String, { description: "CREATE, UPDATE or DELETE (prune: archived, or disabled for a layer)" }) action!: string;
  @Field(() => String, { nullable: true, description: "what changes, in words" }) detail!: string | null;
}

@ObjectType("ConfigPlan")
export class ConfigPlanType {
  @Field(() => Boolean, { description: "false for a dry run: nothing was written" }) applied!: boolean;
  @Field(() => Int, { description: "the configuration version after the import (the current one for a dry run or an import that changes nothing)" })
  configVersion!: number;
  @Field(() => Int, { description: "slots of existing experiments that serve another variant (or none) afterwards" }) slotsMoved!: number;
  @Field(() => [PlannedChangeType]) changes!: PlannedChangeType[];

  static from(result: ConfigPlanResult): ConfigPlanType {
    return Object.assign(new ConfigPlanType(), { ...result, changes: result.changes.map((c) => Object.assign(new PlannedChangeType(), c)) });
  }
}
