// GraphQL `Assignment`, `Override`, `VariantCount` and `ChangeRecord`.

import { Field, Int, ObjectType } from "type-graphql";

@ObjectType("Assignment")
export class AssignmentType {
  @Field(() => String) experiment!: string;
  @Field(() => String) actor!: string;
  @Field(() => String) variant!: string;
  @Field(() => Int) vid!: number;
  @Field(() => Boolean) isOverride!: boolean;
  @Field(() => Date) assignedAt!: Date;
}

@ObjectType("Override")
export class OverrideType {
  @Field(() => String) experiment!: string;
  @Field(() => String) actor!: string;
  @Field(() => String) variant!: string;
}

@ObjectType("VariantCount")
export class VariantCountType {
  @Field(() => String) variant!: string;
  @Field(() => Int) exposures!: number;
}

@ObjectType("ChangeRecord")
export class ChangeRecordType {
  @Field(() => String) key!: string;
  @Field(() => String) mutation!: string;
  @Field(() => String, { nullable: true, description: "the x-actor header when sent, else the key's name" }) actor!: string | null;
  @Field(() => String, { nullable: true, description: "the name of the API key the change was made with; null with AUTH=off" }) apiKey!: string | null;
  @Field(() => Date) at!: Date;
  @Field(() => Int, { description: "The configuration version this change produced." }) configVersion!: number;
}

@ObjectType("Exposure", { description: "A record that an actor was served a variant." })
export class ExposureType {
  @Field(() => String) experiment!: string;
  @Field(() => String) variant!: string;
  @Field(() => Int) vid!: number;
  @Field(() => String) actor!: string;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => Boolean) isOverride!: boolean;
  @Field(() => Date) at!: Date;
}
