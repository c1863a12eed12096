// DatabaseVersion: what the ConfigFollower keeps current in file mode: only the database's configuration
// version (its change events still reach API keys and subscribers), never the snapshot, which is the files'.

import type { ConfigState } from "../engine/snapshot";
import type { ConfigDelta } from "../engine/snapshot-delta";
import type { FollowedConfiguration } from "./config-follower";

export class DatabaseVersion implements FollowedConfiguration {
  private current: number | null = null;

  get isLoaded(): boolean {
    return this.current !== null;
  }

  get version(): number {
    return this.current ?? 0;
  }

  replace(state: ConfigState): void {
    this.current = state.version;
  }

  apply(delta: ConfigDelta): void {
    this.current = delta.version;
  }
}
