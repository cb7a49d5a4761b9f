/**
 * Message attachments: a member uploads a file to a room (its bytes go to R2 under
 * `attachments/<room>/<id>`, then the room registers it as waiting to be sent), and anyone
 * holding a signed link fetches it. The link is the capability, so the fetch is on the API's
 * public list: its signature and expiry are checked here, and a file is served so that no
 * browser runs it (its type judged from its bytes, nosniff, a sandboxing CSP).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  AttachmentLinks,
  attachmentKey,
  LINK_LASTS_SECONDS,
  LINK_STEP_SECONDS,
  linkKey,
  signedText,
} from "../../core/attachments";
import { database } from "../../core/db";
import { ApiError, forbidden, notFound } from "../../core/errors";
import { attachmentId, WireAttachment } from "../../core/protocol";
import { roomObject } from "../../durable/room";
import { type AuthedEnv, createApp, createPublicApp } from "../app";
import {
  cleanName,
  DOWNLOAD_TYPE,
  disposition,
  JUDGED_BYTES,
  judge,
  maxAttachmentBytes,
  servedType,
} from "../attachment-files";
import { errors, idParam, json } from "../openapi";
import { roomToPostTo } from "../rooms/access";

/** Room for the multipart envelope around a largest allowed file. */
const MULTIPART_OVERHEAD = 64 * 1024;

const tooLarge = (env: Env) =>
  new ApiError(413, `A file can be at most ${(maxAttachmentBytes(env) / 1024 / 1024).toFixed(1)} MiB.`, "too_large");

/** The upload's own body limit, from the setting; the API's 64 KiB JSON limit does not apply to it. */
const uploadSizeLimit: MiddlewareHandler<AuthedEnv> = (c, next) =>
  bodyLimit({
    maxSize: maxAttachmentBytes(c.env) + MULTIPART_OVERHEAD,
    onError: () => {
      throw tooLarge(c.env);
    },
  })(c, next);

const FileUpload = z.object({
  file: z
    .custom<File>((value) => value instanceof File, "must be a file")
    .openapi({
      type: "string",
      format: "binary",
      description: "Any file, at most 25 MiB unless the server's ATTACHMENT_MAX_BYTES says otherwise",
    }),
});
const UploadAnswer = WireAttachment.openapi("Attachment");
const FilePath = z.object({ id: idParam, attachment: attachmentId });
const LinkQuery = z.object({
  expires: z.string().optional().openapi({ description: "When the link expires, in seconds since 1970" }),
  signature: z.string().optional().openapi({ description: "The link's signature" }),
});

const badLink = () => forbidden("This link is not valid or has expired.");

/** Whether a link to `key` expiring at `expires` carries the server's signature, checked in constant time. */
async function isSigned(env: Env, key: string, expires: number, signature: string): Promise<boolean> {
  if (!/^[\w-]{43}$/.test(signature)) return false;
  const bytes = Uint8Array.from(atob(signature.replaceAll("-", "+").replaceAll("_", "/")), (ch) => ch.charCodeAt(0));
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    linkKey(env.JWT_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  return crypto.subtle.verify("HMAC", hmacKey, bytes, signedText(key, expires));
}

export const attachments = createApp().openapi(
  createRoute({
    method: "post",
    path: "/rooms/{id}/attachments",
    operationId: "uploadAttachment",
    tags: ["Messages"],
    summary: "Upload a file to a room you take part in, to send with a message within the hour",
    description:
      "Answers the file's `id`, which a send names in `attachments` (up to 10 a message); a file not sent within an hour is removed. Any type is taken, but only a JPEG, PNG, GIF or WebP (judged from its bytes) is shown as an image, with its `width` and `height`; anything else is `application/octet-stream` and downloads. `url` is a signed link that lasts about an hour.",
    middleware: [uploadSizeLimit] as const,
    request: {
      params: z.object({ id: idParam }),
      body: { content: { "multipart/form-data": { schema: FileUpload } }, required: true },
    },
    responses: {
      201: json(UploadAnswer, "Stored, waiting to be sent"),
      ...errors(400, 401, 403, 404, 413, 429),
    },
  }),
  async (c) => {
    const { room } = await roomToPostTo(database(c.env), c.req.valid("param").id, c.var.user);
    const file = c.req.valid("form").file;
    if (file.size > maxAttachmentBytes(c.env)) throw tooLarge(c.env);
    const judged = judge(new Uint8Array(await file.slice(0, JUDGED_BYTES).arrayBuffer()));
    const id = crypto.randomUUID().replaceAll("-", "");
    const stored = { id, name: cleanName(file.name), size: file.size, ...judged };
    const key = attachmentKey(room.id, id);
    await c.env.AVATARS.put(key, file, {
      httpMetadata: { contentType: judged.content_type },
      customMetadata: { name: stored.name },
    });
    let kept: Awaited<ReturnType<ReturnType<typeof roomObject>["uploaded"]>>;
    try {
      kept = await roomObject(c.env, room).uploaded({ ...stored, senderId: c.var.user.id, uploadedAt: Date.now() });
    } catch (err) {
      // Nobody can send a file the room does not know of: take it back.
      await c.env.AVATARS.delete(key).catch(() => undefined);
      throw err;
    }
    if (!kept.ok) {
      await c.env.AVATARS.delete(key).catch(() => undefined);
      throw new ApiError(429, kept.why, "throttled");
    }
    return c.json({ ...stored, url: new AttachmentLinks(c.env.JWT_SECRET).url(room.id, id) }, 201);
  },
);

export const attachmentFiles = createPublicApp().openapi(
  createRoute({
    method: "get",
    path: "/rooms/{id}/attachments/{attachment}",
    operationId: "getAttachment",
    tags: ["Messages"],
    summary: "A message's file, by the signed link a message carries",
    description: `No token: the link's \`expires\` and \`signature\` are the permission, and only the room's members are given links (in every answer that shows the message, valid ${LINK_LASTS_SECONDS / 60} to ${(LINK_LASTS_SECONDS + LINK_STEP_SECONDS) / 60} minutes). A wrong or expired link is a 403. Images are served inline as their type; every other file as \`application/octet-stream\` with \`Content-Disposition: attachment\`, never as a page.`,
    security: [],
    request: { params: FilePath, query: LinkQuery },
    responses: {
      200: {
        description: "The file",
        content: {
          "image/*": { schema: { type: "string", format: "binary" } },
          [DOWNLOAD_TYPE]: { schema: { type: "string", format: "binary" } },
        },
      },
      ...errors(400, 403, 404),
    },
  }),
  async (c) => {
    const { id, attachment } = c.req.valid("param");
    const { expires: expiresText, signature } = c.req.valid("query");
    const expires = Number(expiresText);
    const now = Date.now() / 1000;
    if (!Number.isSafeInteger(expires) || expires <= now || expires > now + LINK_LASTS_SECONDS + LINK_STEP_SECONDS)
      throw badLink();
    const key = attachmentKey(id, attachment);
    if (!signature || !(await isSigned(c.env, key, expires, signature))) throw badLink();
    const object = await c.env.AVATARS.get(key);
    if (!object) throw notFound("No such file; it may have been deleted.");
    const type = servedType(object.httpMetadata?.contentType);
    const name = object.customMetadata?.name ?? "file";
    return new Response(object.body, {
      headers: {
        "Content-Type": type,
        "Content-Length": String(object.size),
        "Content-Disposition": disposition(type === DOWNLOAD_TYPE ? "attachment" : "inline", name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        // What is at a key never changes; the link itself stops working when it expires.
        "Cache-Control": `private, max-age=${Math.floor(expires - now)}, immutable`,
        ETag: object.httpEtag,
      },
    });
  },
);
