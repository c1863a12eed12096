// The per-request context: the services and who is calling (and, over graphql-ws, the subscriber's end).

import type { AllocationService } from "../services/allocation.service";
import type { ApiKeyService } from "../services/api-key.service";
import type { AssignmentService } from "../services/assignment.service";
import type { Caller } from "../services/caller";
import type { ConfigChangeFeed, Subscriber } from "../services/config-change-feed";
import type { ConfigDocumentService } from "../services/config-document.service";
import type { ConfigurationReads } from "../services/configuration-reads";
import type { DecisionService } from "../services/decision.service";
import type { ExperimentService } from "../services/experiment.service";
import type { FlagService } from "../services/flag.service";
import type { FlagDecisionService } from "../services/flag-decision.service";
import type { LayerService } from "../services/layer.service";
import type { RequestTally } from "./request-tally";

export interface AppServices {
  readonly experiments: ExperimentService;
  readonly assignments: AssignmentService;
  readonly allocation: AllocationService;
  readonly layers: LayerService;
  readonly decisions: DecisionService;
  readonly changeFeed: ConfigChangeFeed;
  readonly apiKeys: ApiKeyService;
  readonly flags: FlagService;
  readonly flagDecisions: FlagDecisionService;
  readonly configDocuments: ConfigDocumentService;
  /** The configuration queries: from the database, or in file mode from the files. */
  readonly reads: ConfigurationReads;
  /** The configuration version served: the database's, or in file mode the files' (each reload is one). */
  readonly configVersion: () => number | Promise<number>;
}

export interface AppContext {
  readonly services: AppServices;
  readonly caller: Caller;
  /** Only on graphql-ws: closes the socket of a subscriber that fell behind. */
  readonly subscriber?: Subscriber;
  /** Apollo's path: what its pipeline learns of the request (root fields, error codes), for the metrics. */
  readonly tally?: RequestTally;
  /** Set when the compiled fast path admitted this request (AccessGate) before handing it to Apollo: not charged twice. */
  readonly admitted?: boolean;
}
