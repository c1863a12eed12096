// Every entity, listed explicitly so ts-node, Jest and dist/ load the same set.

import { ApiKeyEntity } from "./api-key.entity";
import { AssignmentEntity } from "./assignment.entity";
import { ChangeRecordEntity } from "./change-record.entity";
import { ConfigChangeEntity } from "./config-change.entity";
import { ConfigVersionEntity } from "./config-version.entity";
import { ExperimentEntity } from "./experiment.entity";
import { ExposureEntity } from "./exposure.entity";
import { FlagEntity } from "./flag.entity";
import { ForcedDecisionEntity } from "./forced-decision.entity";
import { LayerEntity } from "./layer.entity";
import { OverrideEntity } from "./override.entity";
import { VariantEntity } from "./variant.entity";

export { ApiKeyEntity, AssignmentEntity, ChangeRecordEntity, ConfigChangeEntity, ConfigVersionEntity, ExperimentEntity, ExposureEntity, FlagEntity, ForcedDecisionEntity, LayerEntity, OverrideEntity, VariantEntity };

export const ENTITIES = [
  LayerEntity,
  ExperimentEntity,
  VariantEntity,
  OverrideEntity,
  AssignmentEntity,
  ExposureEntity,
  ChangeRecordEntity,
  ConfigVersionEntity,
  ConfigChangeEntity,
  ApiKeyEntity,
  FlagEntity,
  ForcedDecisionEntity,
];
