/**
 * Bounds user text quoted into events, conditions and logs. A Canary can carry a megabyte-long
 * name or a 300 KB spec value; quoted whole, it made events of 300 KB and a status write the API
 * server refuses (so the condition that explains the problem was never written).
 */

/** Longest quoted message: Kubernetes Events are meant to be read in `kubectl describe`. */
export const MAX_MESSAGE_CHARS = 1024;

/** `text` when it fits in `max` characters, else its start, an ellipsis and how much was cut. */
export function bounded(text: string, max: number = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  const note = `… (${text.length - max} more characters)`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}
