/** A DM's key. Imports nothing, so the import from the original (scripts/) uses it from Node too. */

/** The DM key of a pair, "lowId:highId", the same whichever of the two asks. */
export function dmKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
