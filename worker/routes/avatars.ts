/**
 * Avatars in R2 under `avatar_files/`: uploaded with the original's PUT profiles/{id}/pic/
 * and served at /media/avatar_files/... The upload is judged by its bytes, not its name or
 * declared type, so an SVG or an HTML page called .png never reaches anyone's browser.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { bodyLimit } from "hono/body-limit";
import { createApp } from "../app";
import { requireUser } from "../auth/require-user";
import { database } from "../db";
import { users } from "../db/schema";
import { findUser } from "../db/users";
import { ApiError, forbidden, invalid, notFound } from "../errors";
import { errors, idParam, json } from "../openapi";
import { DEFAULT_AVATAR_KEY, avatarUrl, originOf } from "../shapes";

export const MAX_AVATAR_BYTES = 5 * 1024 * 1024;
/** Room for the multipart envelope around a largest allowed file. */
const MULTIPART_OVERHEAD = 64 * 1024;

const tooLarge = () => new ApiError(413, `An avatar can be at most ${MAX_AVATAR_BYTES / 1024 / 1024} MiB.`, "too_large");

type ImageKind = { type: string; extension: string };

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
      if (ascii(12, "VP8 ") && fits(30)) return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
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

const AvatarUpload = z.object({
  avatar: z
    .custom<File>((value) => value instanceof File, "must be a file")
    .openapi({ type: "string", format: "binary", description: "JPEG, PNG, GIF or WebP, at most 5 MiB" }),
});
const AvatarAnswer = z.object({ avatar: z.string(), avatar_url: z.string() });

export const avatars = createApp()
  .openapi(
    createRoute({
      method: "put",
      path: "/profiles/{id}/pic",
      tags: ["profiles"],
      summary: "Change a profile picture: your own, or anyone's as a superuser",
      middleware: [
        requireUser(),
        bodyLimit({ maxSize: MAX_AVATAR_BYTES + MULTIPART_OVERHEAD, onError: () => { throw tooLarge(); } }),
      ] as const,
      request: {
        params: z.object({ id: idParam }),
        body: { content: { "multipart/form-data": { schema: AvatarUpload } }, required: true },
      },
      responses: {
        202: json(AvatarAnswer, "Stored; `avatar` is the original's relative path"),
        ...errors(400, 401, 403, 404, 413),
      },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const caller = c.var.user;
      if (caller.id !== id && !caller.isSuperuser) throw forbidden("invalid user to update");
      const db = database(c.env);
      const user = await findUser(db, id);
      if (!user) throw notFound("User not found.");

      const file = c.req.valid("form").avatar;
      if (file.size > MAX_AVATAR_BYTES) throw tooLarge();
      const bytes = new Uint8Array(await file.arrayBuffer());
      const kind = sniffImage(bytes);
      if (!kind) throw invalid("An avatar must be a JPEG, PNG, GIF or WebP image.", { avatar: "not a JPEG, PNG, GIF or WebP image" });
      const size = declaredSize(bytes, kind);
      if (size && (size.width > MAX_AVATAR_SIDE || size.height > MAX_AVATAR_SIDE || size.width * size.height > MAX_AVATAR_PIXELS)) {
        const most = `at most ${MAX_AVATAR_SIDE} pixels a side and ${MAX_AVATAR_PIXELS / 1_000_000} megapixels`;
        throw invalid(`An avatar can be ${most}.`, { avatar: `${size.width}x${size.height} is too large; ${most}` });
      }

      const suffix = crypto.randomUUID().slice(0, 8);
      const key = `avatar_files/${user.username.replace(/[^\w-]/g, "_")}_${suffix}.${kind.extension}`;
      await c.env.AVATARS.put(key, bytes, { httpMetadata: { contentType: kind.type } });
      try {
        await db.update(users).set({ avatarKey: key }).where(eq(users.id, id));
      } catch (err) {
        // Nobody points at the new object: take it back rather than leave it stored for nothing.
        await c.env.AVATARS.delete(key).catch(() => undefined);
        throw err;
      }
      if (user.avatarKey && user.avatarKey !== DEFAULT_AVATAR_KEY) {
        // The new avatar is in place; an old one that cannot be removed now is only unused.
        await c.env.AVATARS.delete(user.avatarKey).catch((err) => console.warn("old avatar not removed", user.avatarKey, err));
      }

      return c.json({ avatar: `/media/${key}`, avatar_url: avatarUrl(originOf(c.req.url), key) }, 202);
    },
  );

/** Serves stored avatars; the default avatar ships with the page's assets. */
export const media = createApp().get("/avatar_files/:name", async (c) => {
  const name = c.req.param("name");
  if (!/^[\w.-]{1,200}$/.test(name)) throw notFound();
  const object = await c.env.AVATARS.get(`avatar_files/${name}`);
  if (!object) {
    const asset = await c.env.ASSETS.fetch(new URL(`/media/avatar_files/${name}`, c.req.url));
    // The assets' SPA fallback answers any path with the page; only a real image will do.
    if (!asset.ok || !asset.headers.get("content-type")?.startsWith("image/")) throw notFound("No such avatar.");
    // Assets answer with immutable headers; a copy lets the security headers be added.
    return new Response(asset.body, asset);
  }
  return new Response(object.body, {
    headers: {
      "Content-Type": object.httpMetadata?.contentType ?? "application/octet-stream",
      // Each upload gets a new key, so what is at a key never changes.
      "Cache-Control": "public, max-age=31536000, immutable",
      ETag: object.httpEtag,
    },
  });
});
