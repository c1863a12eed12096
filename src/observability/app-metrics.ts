// appMetrics(owners): the Metrics of one app, its gauges and totals reading the services that own them,
// and the propagation histogram fed by the configuration follower's change events.

import type { AssignmentService } from "../services/assignment.service";
import type { AssignmentStore } from "../services/assignment-store";
import type { ConfigFollower } from "../services/config-follower";
import type { DecisionService } from "../services/decision.service";
import type { ExposureWriter } from "../services/exposure-writer";
import type { SnapshotStore } from "../services/snapshot-store";
import { Metrics } from "./metrics";

export interface MetricOwners {
  readonly snapshots: SnapshotStore;
  readonly follower: ConfigFollower;
  readonly decisions: DecisionService;
  readonly exposures: ExposureWriter;
  readonly assignmentStore: AssignmentStore;
  readonly assignments: AssignmentService;
}

export function appMetrics(owners: MetricOwners): Metrics {
  const { snapshots, follower, decisions, exposures, assignmentStore, assignments } = owners;
  const metrics = new Metrics({
    configVersion: () => (snapshots.isLoaded ? snapshots.version : null),
    layerReloads: () => snapshots.layerReloads,
    ruleEvaluations: () => decisions.ruleEvaluations,
    // On the embedded database every change is made in this process: nothing to listen to, nothing missed.
    listenerConnected: () => follower.listenerState !== "reconnecting",
    exposures: () => ({ unwritten: exposures.unwritten, ...exposures.counts }),
    assignments: () => ({ written: assignmentStore.writtenCount + assignments.writtenCount, queued: assignmentStore.queue.size }),
  });
  // The follower hands out a change's event once it is applied to the snapshot: from then on this instance serves it.
  follower.onChange((events) => {
    for (const event of events) metrics.propagated(event.at);
  });
  return metrics;
}
