// GraphQL API keys (SPEC §13): the key as listed (never its secret), the created one with its secret, the input.

import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import type { ApiKeyView, CreatedApiKey } from "../../services/api-key.service";

export enum RoleEnum {
  ADMIN = "ADMIN",
  DEVELOPER = "DEVELOPER",
  VIEWER = "VIEWER",
  SDK = "SDK",
}

registerEnumType(RoleEnum, { name: "Role", description: "what a key may do: SDK decides, VIEWER reads, DEVELOPER configures, ADMIN also manages keys" });

@ObjectType("ApiKey")
export class ApiKeyType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => [String], { nullable: true, description: "the services an SDK key is limited to; null: every service" }) services!: string[] | null;
  @Field(() => String, { description: "the secret's first characters, to tell keys apart" }) prefix!: string;
  @Field(() => Int, { description: "requests (decisions, in a batch) per second, per instance" }) rateLimit!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: "to the minute: instances write it now and then, never per request" }) lastUsedAt!: Date | null;

  static from(view: ApiKeyView): ApiKeyType {
    return Object.assign(new ApiKeyType(), { ...view, role: view.role as RoleEnum, services: view.services === null ? null : [...view.services] });
  }
}

@ObjectType("CreatedApiKey")
export class CreatedApiKeyType {
  @Field(() => ApiKeyType) apiKey!: ApiKeyType;
  @Field(() => String, { description: "shown this once: only its SHA-256 digest is stored" }) secret!: string;

  static from(created: CreatedApiKey): CreatedApiKeyType {
    return Object.assign(new CreatedApiKeyType(), { apiKey: ApiKeyType.from(created.apiKey), secret: created.secret });
  }
}

@InputType("CreateApiKeyInput")
export class CreateApiKeyInput {
  @Field(() => String) name!: string;
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => [String], { nullable: true, description: "SDK keys only: the services it may decide for; omitted → every service" }) services?: string[] | null;
  @Field(() => Date, { nullable: true }) expiresAt?: Date | null;
  @Field(() => Int, { nullable: true, description: "requests per second; omitted → 10,000 for SDK keys, 100 for the others" }) rateLimit?: number | null;
}
