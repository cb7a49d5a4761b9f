/**
 * What a file's first bytes say it is: one of the image types the chat shows (JPEG, PNG,
 * GIF, WebP) with the size its header declares, or a download. The type never comes from a
 * name or a declared type. Imports nothing, so the worker, the room objects and scripts/
 * (under Node) all use it.
 */

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

export const DOWNLOAD_TYPE = "application/octet-stream";
/** How much of a file is read to judge it: a JPEG's size comes after its EXIF, which can be 64 KiB. */
export const JUDGED_BYTES = 256 * 1024;

export type Judged = { content_type: string; width?: number; height?: number };

/**
 * An image with its size when its first bytes say so, else a download. A picture too large
 * to decode safely (the avatar's bounds) downloads too: a tiny file can claim gigapixels.
 */
export function judge(head: Uint8Array): Judged {
  const kind = sniffImage(head);
  const size = kind && declaredSize(head, kind);
  if (!kind || !size || size.width < 1 || size.height < 1) return { content_type: DOWNLOAD_TYPE };
  if (size.width > MAX_AVATAR_SIDE || size.height > MAX_AVATAR_SIDE || size.width * size.height > MAX_AVATAR_PIXELS)
    return { content_type: DOWNLOAD_TYPE };
  return { content_type: kind.type, width: size.width, height: size.height };
}
