// GraphQL `Decision`, `ServiceDecision`, `ExperimentDecision` and `DecideInput`: what `decide` answers.

import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import type { JsonValue } from "../../engine/types";
import { JSONScalar } from "./scalars";

export enum DecisionSourceEnum {
  OVERRIDE = "OVERRIDE",
  STICKY = "STICKY",
  BUCKET = "BUCKET",
  WINNER = "WINNER",
}
registerEnumType(DecisionSourceEnum, { name: "DecisionSource" });

@ObjectType("ExperimentDecision")
export class ExperimentDecisionType {
  @Field(() => String) experiment!: string;
  @Field(() => String) variant!: string;
  @Field(() => Int) vid!: number;
  @Field(() => String) layer!: string;
  @Field(() => Int) slot!: number;
  @Field(() => DecisionSourceEnum) source!: DecisionSourceEnum;
}

@ObjectType("ServiceDecision")
export class ServiceDecisionType {
  @Field(() => String) service!: string;
  @Field(() => JSONScalar, { description: "merged params of all layers serving this service" }) parameters!: JsonValue;
  @Field(() => [Int]) vids!: number[];
  @Field(() => [String]) matchedLayers!: string[];
  @Field(() => [ExperimentDecisionType]) experiments!: ExperimentDecisionType[];
  @Field(() => [String], { nullable: true, description: "only with explain" }) reasons!: string[] | null;
}

@ObjectType("Decision")
export class DecisionType {
  @Field(() => Int, { description: "the configuration version the whole decision was made on" }) configVersion!: number;
  @Field(() => [ServiceDecisionType], { description: "in the order of the services asked for" }) results!: ServiceDecisionType[];
}

@InputType("DecideInput")
export class DecideInput {
  @Field(() => [String]) services!: string[];
  @Field(() => JSONScalar) context!: JsonValue;
  @Field(() => String, { nullable: true }) requestId?: string | null;
}
