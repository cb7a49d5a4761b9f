/**
 * What an avatar may be and where it is kept in R2, for the avatar route and for the import
 * from the original alike. Imports only core/image-bytes.ts (by its file name), so scripts/
 * can use it from Node as well.
 */
import type { ImageKind } from "../core/image-bytes.ts";

export const MAX_AVATAR_BYTES = 5 * 1024 * 1024;
export {
  declaredSize,
  type ImageKind,
  MAX_AVATAR_PIXELS,
  MAX_AVATAR_SIDE,
  sniffImage,
} from "../core/image-bytes.ts";

/**
 * The R2 key of a user's avatar: a new suffix for each new picture, so what is at a key
 * never changes and can be cached for good.
 */
export function avatarKey(username: string, suffix: string, kind: ImageKind): string {
  return `avatar_files/${username.replace(/[^\w-]/g, "_")}_${suffix}.${kind.extension}`;
}
