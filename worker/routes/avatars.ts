/**
 * Avatars in R2 under `avatar_files/`: uploaded with the original's PUT profiles/{id}/pic/
 * and served at /media/avatar_files/... The upload is judged by its bytes, not its name or
 * declared type, so an SVG or an HTML page called .png never reaches anyone's browser.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { database } from "../../core/db";
import { findUser, setAvatarKey } from "../../core/db/users";
import { ApiError, forbidden, invalid, notFound } from "../../core/errors";
import { isSelfOrSuperuser } from "../../core/policy";
import { avatarUrl, DEFAULT_AVATAR_KEY, originOf } from "../../core/shapes";
import { type AuthedEnv, createApp } from "../app";
import {
  avatarKey,
  declaredSize,
  MAX_AVATAR_BYTES,
  MAX_AVATAR_PIXELS,
  MAX_AVATAR_SIDE,
  sniffImage,
} from "../avatar-images";
import { errors, idParam, json } from "../openapi";

/** Room for the multipart envelope around a largest allowed file. */
const MULTIPART_OVERHEAD = 64 * 1024;

const tooLarge = () =>
  new ApiError(413, `An avatar can be at most ${MAX_AVATAR_BYTES / 1024 / 1024} MiB.`, "too_large");

const AvatarUpload = z.object({
  avatar: z
    .custom<File>((value) => value instanceof File, "must be a file")
    .openapi({ type: "string", format: "binary", description: "JPEG, PNG, GIF or WebP, at most 5 MiB" }),
});
/** Typed for signed-in routes, so the handler keeps knowing its caller. */
const avatarSizeLimit: MiddlewareHandler<AuthedEnv> = bodyLimit({
  maxSize: MAX_AVATAR_BYTES + MULTIPART_OVERHEAD,
  onError: () => {
    throw tooLarge();
  },
});

const AvatarAnswer = z.object({ avatar: z.string(), avatar_url: z.string() });

export const avatars = createApp().openapi(
  createRoute({
    method: "put",
    path: "/profiles/{id}/pic",
    operationId: "changeAvatar",
    tags: ["Avatars"],
    summary: "Change a profile picture: your own, or anyone's as a superuser",
    middleware: [avatarSizeLimit] as const,
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
    if (!isSelfOrSuperuser(caller, id)) throw forbidden("invalid user to update");
    const db = database(c.env);
    const user = await findUser(db, id);
    if (!user) throw notFound("User not found.");

    const file = c.req.valid("form").avatar;
    if (file.size > MAX_AVATAR_BYTES) throw tooLarge();
    const bytes = new Uint8Array(await file.arrayBuffer());
    const kind = sniffImage(bytes);
    if (!kind)
      throw invalid("An avatar must be a JPEG, PNG, GIF or WebP image.", {
        avatar: "not a JPEG, PNG, GIF or WebP image",
      });
    const size = declaredSize(bytes, kind);
    if (
      size &&
      (size.width > MAX_AVATAR_SIDE || size.height > MAX_AVATAR_SIDE || size.width * size.height > MAX_AVATAR_PIXELS)
    ) {
      const most = `at most ${MAX_AVATAR_SIDE} pixels a side and ${MAX_AVATAR_PIXELS / 1_000_000} megapixels`;
      throw invalid(`An avatar can be ${most}.`, { avatar: `${size.width}x${size.height} is too large; ${most}` });
    }

    const key = avatarKey(user.username, crypto.randomUUID().slice(0, 8), kind);
    await c.env.AVATARS.put(key, bytes, { httpMetadata: { contentType: kind.type } });
    try {
      await setAvatarKey(db, id, key);
    } catch (err) {
      // Nobody points at the new object: take it back rather than leave it stored for nothing.
      await c.env.AVATARS.delete(key).catch(() => undefined);
      throw err;
    }
    if (user.avatarKey && user.avatarKey !== DEFAULT_AVATAR_KEY) {
      // The new avatar is in place; an old one that cannot be removed now is only unused.
      await c.env.AVATARS.delete(user.avatarKey).catch((err) =>
        console.warn("old avatar not removed", user.avatarKey, err),
      );
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
