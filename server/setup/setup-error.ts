/** A problem the operator must fix before the portal can start; the message is one line saying what to do. */
export class SetupError extends Error {
  override name = 'SetupError';
}
