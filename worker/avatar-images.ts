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

/** Largest picture an avatar may claim to be: a tiny file can declare one that takes gigabytes to decode. */
export const MAX_AVATAR_SIDE = 10_000;
export const MAX_AVATAR_PIXELS = 50_000_000;

/**
 * The width and height an image's header declares, when it can be read from the first
 * bytes; the picture itself is never decoded here.
 */
export function declaredSize(bytes: Uint8Array, kind: ImageKind): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fits = (end: number) => end <= bytes.length;
  const ascii = (from: number, text: string) => [...text].every((ch, i) => bytes[from + i] === ch.charCodeAt(0));
  switch (kind.type) {
    case "image/png":
      return fits(24) && ascii(12, "IHDR") ? { width: view.getUint32(16), height: view.getUint32(20) } : undefined;
    case "image/gif":
      return fits(10) ? { width: view.getUint16(6, true), height: view.getUint16(8, true) } : undefined;
    case "image/webp": {
      const le24 = (at: number) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
      if (ascii(12, "VP8X") && fits(30)) return { width: le24(24) + 1, height: le24(27) + 1 };
      if (ascii(12, "VP8L") && fits(25)) {
        const bits = view.getUint32(21, true);
        return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      }
      if (ascii(12, "VP8 ") && fits(30))
        return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
      return undefined;
    }
    case "image/jpeg": {
      // Segments follow one another; the first start-of-frame (SOFn, not DHT/JPG/DAC) holds the size.
      for (let at = 2; fits(at + 9) && bytes[at] === 0xff; at += 2 + view.getUint16(at + 2)) {
        const marker = bytes[at + 1];
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
        }
      }
      return undefined;
    }
  }
  return undefined;
}

/**
 * The R2 key of a user's avatar: a new suffix for each new picture, so what is at a key
 * never changes and can be cached for good.
 */
export function avatarKey(username: string, suffix: string, kind: ImageKind): string {
  return `avatar_files/${username.replace(/[^\w-]/g, "_")}_${suffix}.${kind.extension}`;
}
