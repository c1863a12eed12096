// The per-request context: the services and who is calling.

import type { AssignmentService } from "../services/assignment.service";
import type { Caller } from "../services/caller";
import type { ExperimentService } from "../services/experiment.service";

export interface AppServices {
  readonly experiments: ExperimentService;
  readonly assignments: AssignmentService;
}

export interface AppContext {
  readonly services: AppServices;
  readonly caller: Caller;
}
