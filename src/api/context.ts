// The per-request context: the services and who is calling.

import type { AllocationService } from "../services/allocation.service";
import type { AssignmentService } from "../services/assignment.service";
import type { Caller } from "../services/caller";
import type { DecisionService } from "../services/decision.service";
import type { ExperimentService } from "../services/experiment.service";
import type { LayerService } from "../services/layer.service";

export interface AppServices {
  readonly experiments: ExperimentService;
  readonly assignments: AssignmentService;
  readonly allocation: AllocationService;
  readonly layers: LayerService;
  readonly decisions: DecisionService;
}

export interface AppContext {
  readonly services: AppServices;
  readonly caller: Caller;
}
