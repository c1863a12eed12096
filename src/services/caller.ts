// Who is calling and for which request: carried from the transport into every service call.

import type { AccessKey } from "./access-key";

export interface Caller {
  /**
   * Who makes a change, recorded in history (SPEC §13): the `x-actor` header when the key sends
   * one, else the key's name; null only without a key (AUTH=off) and without the header.
   */
  readonly actor: string | null;
  /** The key the request is made with; null only with AUTH=off. */
  readonly key: AccessKey | null;
  /** The request id (`x-request-id` header), recorded with exposures. */
  readonly requestId: string | null;
}
