/** Close codes of the WebSocket tail: the standard ones it uses, and its own (4000-4999). */
export const CLOSE_CODES = {
  /** The log is sealed and every event was sent (after the `status` frame). */
  normal: 1000,
  /** The server is shutting down: reconnect (to another node) from the last index. */
  goingAway: 1001,
  internalError: 1011,
  /** The consumer read too slowly; it may reconnect from its last index. */
  slowConsumer: 4008,
  /** The log will never be sealed (its workflow is gone): read it from `/logs`, which says `"sealed": false`. */
  notSealed: 4010,
} as const;

/** A close code of the tail. */
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
