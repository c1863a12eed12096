// GraphQL `Experiment` and `Variant`: what clients see of an experiment.

import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { countSlots } from "../../engine/allocation";
import type { Experiment, JsonObject, Variant } from "../../engine/types";
import { JSONScalar } from "./scalars";

export enum ExperimentStateEnum {
  DRAFT = "DRAFT",
  RUNNING = "RUNNING",
  CONCLUDED = "CONCLUDED",
  ARCHIVED = "ARCHIVED",
}
registerEnumType(ExperimentStateEnum, { name: "ExperimentState" });

@ObjectType("Variant")
export class VariantType {
  @Field(() => String) key!: string;
  @Field(() => Int) vid!: number;
  @Field(() => Int) weight!: number;
  @Field(() => JSONScalar) params!: JsonObject;

  static from(v: Variant): VariantType {
    return Object.assign(new VariantType(), { key: v.key, vid: v.vid, weight: v.weight, params: v.params });
  }
}

@ObjectType("Experiment")
export class ExperimentType {
  @Field(() => String) key!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => [String]) services!: string[];
  @Field(() => String) layer!: string;
  @Field(() => ExperimentStateEnum) state!: ExperimentStateEnum;
  @Field(() => [VariantType]) variants!: VariantType[];
  @Field(() => String, { nullable: true }) winner!: string | null;
  @Field(() => String, { nullable: true }) exclusionGroup!: string | null;
  @Field(() => JSONScalar, { nullable: true }) rule!: JsonObject | null;
  @Field(() => Int, { description: "Slots of its layer the experiment owns (of 10,000)." }) traffic!: number;
  @Field(() => Int, { description: "Increases with every change of this experiment's definition (overrides are kept apart)." }) version!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date) updatedAt!: Date;

  static from(e: Experiment): ExperimentType {
    return Object.assign(new ExperimentType(), {
      key: e.key,
      description: e.description,
      services: [...e.services],
      layer: e.layer,
      state: e.state as ExperimentStateEnum,
      variants: e.variants.map(VariantType.from),
      winner: e.winner,
      exclusionGroup: e.exclusionGroup,
      rule: e.rule,
      traffic: countSlots(e.slots),
      version: e.version,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    });
  }
}

@ObjectType("WeightChange")
export class WeightChangeType {
  @Field(() => ExperimentType) experiment!: ExperimentType;
  @Field(() => Int, { description: "Slots that change variant (or leave the experiment): the users who move." }) slotsMoved!: number;
  @Field(() => Boolean, { description: "False for a dry run: nothing was written." }) applied!: boolean;

  static from(change: { experiment: Experiment; slotsMoved: number; applied: boolean }): WeightChangeType {
    return Object.assign(new WeightChangeType(), { ...change, experiment: ExperimentType.from(change.experiment) });
  }
}
