// GraphQL `Layer` and `SlotRange`: an independent split of traffic into 10,000 slots.

import { Field, Int, ObjectType } from "type-graphql";
import type { JsonObject } from "../../engine/types";
import type { LayerView } from "../../services/layer.service";
import { JSONScalar } from "./scalars";

@ObjectType("SlotRange")
export class SlotRangeType {
  @Field(() => Int) start!: number;
  @Field(() => Int) end!: number;
  @Field(() => Int) vid!: number;
}

@ObjectType("Layer")
export class LayerType {
  @Field(() => String) key!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Int) priority!: number;
  @Field(() => [String]) services!: string[];
  @Field(() => String) hashKey!: string;
  @Field(() => String) salt!: string;
  @Field(() => Int, { description: "1 = XXH32(salt:actor) mod 10000 (SPEC §2)." }) hashVersion!: number;
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => JSONScalar) defaultParams!: JsonObject;
  @Field(() => [SlotRangeType]) ranges!: SlotRangeType[];
  @Field(() => Int) freeSlots!: number;
  @Field(() => Boolean, { description: "True for the layer an experiment created without a layer owns alone." }) implicit!: boolean;

  static from(l: LayerView): LayerType {
    return Object.assign(new LayerType(), {
      ...l,
      services: [...l.services],
      ranges: l.ranges.map((r) => Object.assign(new SlotRangeType(), { start: r.start, end: r.end, vid: r.vid })),
    });
  }
}
