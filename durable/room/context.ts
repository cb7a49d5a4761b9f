/** Which room an object is, and how the worker reaches a room's object. */
import type { RoomAddress } from "../../core/db/schema";
import type { Jurisdiction } from "../../core/protocol-constants";

/**
 * What every part of a room reads of the object itself, at each use: the object's env may
 * be swapped (tests make D1 fail that way), and its room is known only by its name.
 */
export type RoomContext = { readonly env: Env; readonly roomId: number };

const ROOM_NAME_PREFIX = "room:";

/**
 * The object that owns a room, created in the room's jurisdiction when it has one: every
 * way to a room's object goes through here, so a pinned room is never reached (and so never
 * created) outside its jurisdiction.
 */
export function roomObject(env: Env, room: RoomAddress) {
  const namespace = room.jurisdiction ? jurisdictionNamespace(env.ROOM, room.jurisdiction) : env.ROOM;
  return namespace.get(namespace.idFromName(`${ROOM_NAME_PREFIX}${room.id}`));
}

/**
 * The namespace's part in a jurisdiction. Local workerd has none and says so by throwing
 * (Cloudflare's runtime never does): there a pinned room's object runs beside the others,
 * its pin recorded and answered all the same.
 */
function jurisdictionNamespace<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  jurisdiction: Jurisdiction,
): DurableObjectNamespace<T> {
  try {
    return namespace.jurisdiction(jurisdiction);
  } catch (err) {
    if (err instanceof Error && err.message.includes(LOCAL_RUNTIME_REFUSAL)) return namespace;
    throw err;
  }
}

/** What workerd, the local runtime, answers to any jurisdiction. */
const LOCAL_RUNTIME_REFUSAL = "not implemented in workerd";

/** A room object's context: its room from the name it is addressed by (see roomObject). */
export function roomContext(ctx: DurableObjectState, env: () => Env): RoomContext {
  return {
    get env() {
      return env();
    },
    get roomId() {
      return Number(ctx.id.name!.slice(ROOM_NAME_PREFIX.length));
    },
  };
}
