import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_AVATAR_BYTES } from "../../worker/avatar-images";
import { call, expectError, makeUser, ORIGIN, snapshot } from "../support/api";

/** Bytes that start as each accepted format does; the worker judges by these. */
const images = {
  png: { type: "image/png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13] },
  jpeg: { type: "image/jpeg", bytes: [0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46] },
  gif: { type: "image/gif", bytes: [...new TextEncoder().encode("GIF89a"), 1, 0, 1, 0] },
  webp: {
    type: "image/webp",
    bytes: [...new TextEncoder().encode("RIFF"), 36, 0, 0, 0, ...new TextEncoder().encode("WEBPVP8 ")],
  },
};

const file = (bytes: ArrayLike<number> | string, name: string, type = "image/png") =>
  new File([typeof bytes === "string" ? bytes : new Uint8Array(bytes)], name, { type });

function upload(
  token: string | undefined,
  userId: number | string,
  avatar: File | string | undefined,
  field = "avatar",
) {
  const form = new FormData();
  if (avatar !== undefined) form.append(field, avatar);
  return call("PUT", `/api/v1/profiles/${userId}/pic/`, { token, body: form });
}

const storedKey = async (userId: number) =>
  (await env.DB.prepare("SELECT avatar_key FROM users WHERE id = ?")
    .bind(userId)
    .first<{ avatar_key: string | null }>())!.avatar_key;

describe("PUT /api/v1/profiles/{id}/pic/", () => {
  it("stores your avatar in R2 and answers 202 with the original's relative path and an absolute URL", async () => {
    const user = await makeUser();
    const { status, body } = await upload(user.access, user.id, file(images.jpeg.bytes, "saitama.jpeg", "image/jpeg"));
    expect(status).toBe(202);
    expect(body.avatar).toMatch(/^\/media\/avatar_files\/[\w-]+\.jpeg$/);
    expect(body.avatar_url).toBe(`${ORIGIN}${body.avatar}`);
    const key = body.avatar.slice("/media/".length);
    const object = await env.AVATARS.get(key);
    expect(object?.httpMetadata?.contentType).toBe("image/jpeg");
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(new Uint8Array(images.jpeg.bytes));
    expect((await call("GET", "/api/v1/profiles/me/", { token: user.access })).body.avatar_url).toBe(body.avatar_url);
  });

  it.each(Object.entries(images))(
    "accepts %s and serves it with its type, nosniff and cache headers",
    async (_, image) => {
      const user = await makeUser();
      const { body } = await upload(
        user.access,
        user.id,
        file(image.bytes, "whatever.bin", "application/octet-stream"),
      );
      const served = await call("GET", body.avatar);
      expect(served.status).toBe(200);
      expect(served.headers.get("content-type")).toBe(image.type);
      expect(served.headers.get("x-content-type-options")).toBe("nosniff");
      expect(served.headers.get("cache-control")).toMatch(/max-age=\d+/);
      expect(served.headers.get("etag")).toBeTruthy();
    },
  );

  it("removes the old avatar from R2 when it is replaced", async () => {
    const user = await makeUser();
    const first = await upload(user.access, user.id, file(images.png.bytes, "a.png"));
    const oldKey = first.body.avatar.slice("/media/".length);
    expect(await env.AVATARS.head(oldKey)).not.toBeNull();
    const second = await upload(user.access, user.id, file(images.gif.bytes, "b.gif", "image/gif"));
    expect(second.status).toBe(202);
    expect(await env.AVATARS.head(oldKey)).toBeNull();
    expect(await storedKey(user.id)).toBe(second.body.avatar.slice("/media/".length));
    expect((await call("GET", first.body.avatar)).status).toBe(404);
  });

  it("lets a superuser change anyone's avatar", async () => {
    const admin = await makeUser({ isSuperuser: true });
    const user = await makeUser();
    expect((await upload(admin.access, user.id, file(images.png.bytes, "p.png"))).status).toBe(202);
    expect(await storedKey(user.id)).toMatch(/^avatar_files\//);
  });

  it("refuses someone else's avatar with 403 and the original's text, storing nothing", async () => {
    const user = await makeUser();
    const other = await makeUser();
    const before = await snapshot();
    const answer = await upload(user.access, other.id, file(images.png.bytes, "p.png"));
    expectError(answer, 403, "permission_denied");
    expect(answer.body.error).toBe("invalid user to update");
    expect(await snapshot()).toEqual(before);
    expect(
      (await env.AVATARS.list({ prefix: "avatar_files/" })).objects.filter((o) => o.key.includes(other.username)),
    ).toEqual([]);
  });

  it("refuses anonymous uploads with 401", async () => {
    const user = await makeUser();
    expectError(await upload(undefined, user.id, file(images.png.bytes, "p.png")), 401);
  });

  it("answers 404 to a superuser for an unknown user", async () => {
    const admin = await makeUser({ isSuperuser: true });
    expectError(await upload(admin.access, 999_999, file(images.png.bytes, "p.png")), 404);
  });

  it.each([
    ["an SVG named .png", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "evil.png", "image/png"],
    ["an HTML page named .png", "<!doctype html><script>alert(1)</script>", "evil.png", "image/png"],
    ["a text file", "just text", "notes.txt", "text/plain"],
    ["an empty file", "", "empty.png", "image/png"],
  ])("refuses %s with 400 naming the avatar field, storing nothing", async (_, content, name, type) => {
    const user = await makeUser();
    const before = await snapshot();
    const answer = await upload(user.access, user.id, file(content, name, type));
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toHaveProperty("avatar");
    expect(await snapshot()).toEqual(before);
  });

  /** Headers that claim a picture far too big to decode: a few bytes that would cost a browser gigabytes. */
  const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const le16 = (n: number) => [n & 255, (n >>> 8) & 255];
  const le24 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];
  const bombs: [string, number[]][] = [
    [
      "a PNG",
      [
        0x89,
        0x50,
        0x4e,
        0x47,
        0x0d,
        0x0a,
        0x1a,
        0x0a,
        0,
        0,
        0,
        13,
        ...new TextEncoder().encode("IHDR"),
        ...be32(100_000),
        ...be32(100_000),
        8,
        6,
        0,
        0,
        0,
      ],
    ],
    [
      "a PNG one pixel wide and very tall",
      [
        0x89,
        0x50,
        0x4e,
        0x47,
        0x0d,
        0x0a,
        0x1a,
        0x0a,
        0,
        0,
        0,
        13,
        ...new TextEncoder().encode("IHDR"),
        ...be32(1),
        ...be32(2 ** 31 - 1),
        8,
        6,
        0,
        0,
        0,
      ],
    ],
    ["a GIF", [...new TextEncoder().encode("GIF89a"), ...le16(65_535), ...le16(65_535), 0, 0, 0]],
    // The classic GIF/JavaScript polyglot: "/*" where the width goes opens a script comment.
    ["a GIF that is also a script", [...new TextEncoder().encode("GIF89a/**/=1;alert(document.domain)//")]],
    ["a JPEG", [0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0]],
    [
      "a WebP (VP8X)",
      [
        ...new TextEncoder().encode("RIFF"),
        30,
        0,
        0,
        0,
        ...new TextEncoder().encode("WEBPVP8X"),
        10,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        ...le24(16_383),
        ...le24(16_383),
      ],
    ],
  ];
  it.each(bombs)("refuses %s whose header claims huge dimensions with 400, storing nothing", async (_, bytes) => {
    const user = await makeUser();
    const before = await snapshot();
    const answer = await upload(user.access, user.id, file(bytes, "bomb.img"));
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toHaveProperty("avatar");
    expect(await snapshot()).toEqual(before);
  });

  it("accepts a PNG of ordinary dimensions", async () => {
    const user = await makeUser();
    const png = [
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      0,
      0,
      0,
      13,
      ...new TextEncoder().encode("IHDR"),
      ...be32(4032),
      ...be32(3024),
      8,
      6,
      0,
      0,
      0,
    ];
    expect((await upload(user.access, user.id, file(png, "photo.png"))).status).toBe(202);
  });

  it.each([
    [
      "a GIF whose body is a script",
      [...images.gif.bytes, ...new TextEncoder().encode("<script>alert(document.domain)</script>")],
      "image/gif",
    ],
    [
      "a PNG with an HTML page after its header",
      [...images.png.bytes, ...new TextEncoder().encode("<html><script>alert(1)</script></html>")],
      "image/png",
    ],
    [
      "a JPEG with an SVG after its header",
      [
        ...images.jpeg.bytes,
        ...new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
      ],
      "image/jpeg",
    ],
  ])("serves a polyglot, %s, only as an image that no browser runs", async (_, bytes, type) => {
    const user = await makeUser();
    const answer = await upload(user.access, user.id, file(bytes, "poly.html", "text/html"));
    expect(answer.status).toBe(202);
    expect(answer.body.avatar).toMatch(/\.(gif|png|jpeg)$/);
    const served = await call("GET", answer.body.avatar);
    expect(served.headers.get("content-type")).toBe(type);
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    expect(served.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(served.headers.get("content-disposition")).toBeNull();
  });

  it("refuses a missing file, a text field and a file under another name with 400", async () => {
    const user = await makeUser();
    expectError(await upload(user.access, user.id, undefined), 400);
    expectError(await upload(user.access, user.id, "not a file"), 400);
    expectError(await upload(user.access, user.id, file(images.png.bytes, "p.png"), "picture"), 400);
  });

  it.each([
    ["no boundary", "multipart/form-data", "garbage"],
    ["no initial boundary", "multipart/form-data; boundary=abc", "garbage"],
    [
      "a truncated message",
      "multipart/form-data; boundary=abc",
      '--abc\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n\r\n\x89PNG',
    ],
  ])("refuses a malformed multipart body (%s) with 400, storing nothing", async (_, contentType, body) => {
    const user = await makeUser();
    const before = await snapshot();
    expectError(
      await call("PUT", `/api/v1/profiles/${user.id}/pic/`, {
        token: user.access,
        body,
        headers: { "content-type": contentType },
      }),
      400,
      "invalid",
    );
    expect(await snapshot()).toEqual(before);
  });

  it("refuses raw image bytes without a form with 415", async () => {
    const user = await makeUser();
    const answer = await call("PUT", `/api/v1/profiles/${user.id}/pic/`, {
      token: user.access,
      body: new Uint8Array(images.png.bytes),
      headers: { "content-type": "image/png" },
    });
    expectError(answer, 415, "unsupported_media_type");
  });

  it("refuses a JSON body with 415", async () => {
    const user = await makeUser();
    expectError(
      await call("PUT", `/api/v1/profiles/${user.id}/pic/`, { token: user.access, json: { avatar: "x" } }),
      415,
    );
  });

  it("refuses an image over 5 MiB with 413, just over and far over", async () => {
    const user = await makeUser();
    const before = await snapshot();
    const justOver = new Uint8Array(MAX_AVATAR_BYTES + 1);
    justOver.set(images.png.bytes);
    expectError(await upload(user.access, user.id, file(justOver, "big.png")), 413, "too_large");
    const farOver = new Uint8Array(MAX_AVATAR_BYTES * 2);
    farOver.set(images.png.bytes);
    expectError(await upload(user.access, user.id, file(farOver, "huge.png")), 413, "too_large");
    expect(await snapshot()).toEqual(before);
  });

  it("accepts an image of exactly 5 MiB", async () => {
    const user = await makeUser();
    const exact = new Uint8Array(MAX_AVATAR_BYTES);
    exact.set(images.png.bytes);
    expect((await upload(user.access, user.id, file(exact, "exact.png"))).status).toBe(202);
  });

  it("names the stored object after a username with odd characters safely", async () => {
    const user = await makeUser({ username: "o'neil+x@y.z" });
    const { body } = await upload(user.access, user.id, file(images.png.bytes, "../../etc/passwd.png"));
    expect(body.avatar).toMatch(/^\/media\/avatar_files\/[\w-]+\.png$/);
    expect((await call("GET", body.avatar)).status).toBe(200);
  });
});

describe("GET /media/avatar_files/{name}", () => {
  it("serves the default avatar new users point at, as an image", async () => {
    const user = await makeUser();
    const url = new URL((await call("GET", "/api/v1/profiles/me/", { token: user.access })).body.avatar_url);
    expect(url.pathname).toBe("/media/avatar_files/default_img.png");
    const served = await call("GET", url.pathname);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toMatch(/^image\//);
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("answers 404 JSON for an unknown file and for names that try to leave the folder", async () => {
    for (const path of [
      "/media/avatar_files/nope.png",
      "/media/avatar_files/..%2F..%2Fwrangler.toml",
      "/media/avatar_files/%00.png",
      "/media/other/x.png",
    ]) {
      expectError(await call("GET", path), 404, "not_found");
    }
  });
});
