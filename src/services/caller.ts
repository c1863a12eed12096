// Who is calling and for which request: carried from the transport into every service call.

export interface Caller {
  /** Who makes a change, recorded in history (`x-actor` header); null when not said. */
  readonly actor: string | null;
  /** The request id (`x-request-id` header), recorded with exposures. */
  readonly requestId: string | null;
}
