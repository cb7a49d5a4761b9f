/** Which jurisdictions this installation pins rooms to: the ROOM_JURISDICTIONS setting, comma separated. */
import { JURISDICTIONS, type Jurisdiction } from "../../core/protocol-constants";

/** The allowed jurisdictions; an empty setting allows none, and unknown names are ignored. */
export function allowedJurisdictions(env: Pick<Env, "ROOM_JURISDICTIONS">): Jurisdiction[] {
  const named = (env.ROOM_JURISDICTIONS ?? "").split(",").map((name) => name.trim());
  return JURISDICTIONS.filter((jurisdiction) => named.includes(jurisdiction));
}
