/** Which room an object is, and how the worker reaches a room's object. */

/**
 * What every part of a room reads of the object itself, at each use: the object's env may
 * be swapped (tests make D1 fail that way), and its room is known only by its name.
 */
export type RoomContext = { readonly env: Env; readonly roomId: number };

const ROOM_NAME_PREFIX = "room:";

/** The object that owns a room. */
export function roomObject(env: Env, roomId: number) {
  return env.ROOM.get(env.ROOM.idFromName(`${ROOM_NAME_PREFIX}${roomId}`));
}

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
