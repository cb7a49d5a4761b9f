/**
 * What every part of a room reads of the object itself: read at each use, not kept, as the
 * object's env may be swapped (tests make D1 fail that way) and its id is known only by name.
 */
export type RoomContext = { readonly env: Env; readonly roomId: number };
