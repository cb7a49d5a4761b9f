/**
 * What an avatar may be and where it is kept in R2, for the avatar route and for the import
 * from the original alike. Imports nothing, so scripts/ can use it from Node as well.
 */

export const MAX_AVATAR_BYTES = 5 * 1024 * 1024;

export type ImageKind = { type: string; extension: string };

/** The image type its first bytes say, if it is one we accept. */
export function sniffImage(bytes: Uint8Array): ImageKind | undefined {
  const starts = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  const ascii = (from: number, text: string) => [...text].every((ch, i) => bytes[from + i] === ch.charCodeAt(0));
  if (starts(0xff, 0xd8, 0xff)) return { type: "image/jpeg", extension: "jpeg" };
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { type: "image/png", extension: "png" };
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return { type: "image/gif", extension: "gif" };
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return { type: "image/webp", extension: "webp" };
  return undefined;
}

/**
 * The R2 key of a user's avatar: a new suffix for each new picture, so what is at a key
 * never changes and can be cached for good.
 */
export function avatarKey(username: string, suffix: string, kind: ImageKind): string {
  return `avatar_files/${username.replace(/[^\w-]/g, "_")}_${suffix}.${kind.extension}`;
}
