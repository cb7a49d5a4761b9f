/**
 * Link previews against a real page server on loopback (test/support/page-server.global.ts),
 * which the tests' config alone lets previews reach.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { LinkPreviews, linksIn } from "../../../durable/room/link-previews";
import { fetchImage, fetchPreview } from "../../../durable/room/page-preview";
import { call, expectError, historyOf, makeRoom, makeUser, ORIGIN, sendToRoom } from "../../support/api";
import { PAYLOAD_TITLE, PICTURE_BASE64 } from "../../support/page-server.global";
import { openLiveRoom } from "../../support/sockets";

const pages = inject("pageServer");
const allowLoopback = true;
const picture = Uint8Array.from(atob(PICTURE_BASE64), (ch) => ch.charCodeAt(0));
/** A preview picture's link: one of the room's files, signed. */
const ourLink = (roomId: number) =>
  new RegExp(`^/api/v1/rooms/${roomId}/attachments/[0-9a-f]{32}/\\?expires=\\d+&signature=[\\w-]{43}$`);

describe("a page's preview", () => {
  it("reads OpenGraph, with entities decoded and spaces tidied, and where its picture is, never showing it", async () => {
    expect(await fetchPreview(`${pages}/og`, { allowLoopback })).toEqual({
      url: `${pages}/og`,
      title: "Lunch & Learn",
      description: "Every Friday, in the big room.",
      image_url: null,
      site_name: "Office",
      image_source: `${pages}/picture.png`,
    });
  });

  it("reads a Twitter card, or the <title> when there is nothing else", async () => {
    expect(await fetchPreview(`${pages}/twitter`, { allowLoopback })).toMatchObject({
      title: "Card title",
      description: "Card text",
    });
    expect(await fetchPreview(`${pages}/title`, { allowLoopback })).toMatchObject({
      title: "Only a title",
      description: null,
    });
  });

  it("cuts a title at 300 characters and a description at 1000", async () => {
    const preview = await fetchPreview(`${pages}/long`, { allowLoopback });
    expect(preview?.title).toHaveLength(300);
    expect(preview?.description).toHaveLength(1000);
  });

  it("follows redirects re-checked at every hop, at most 5", async () => {
    expect(await fetchPreview(`${pages}/hops/4`, { allowLoopback })).toMatchObject({ title: "Lunch & Learn" });
    expect(await fetchPreview(`${pages}/hops/5`, { allowLoopback })).toBeNull();
  });

  it("refuses a redirect to a private or metadata address", async () => {
    expect(await fetchPreview(`${pages}/to-metadata`, { allowLoopback })).toBeNull();
    expect(await fetchPreview(`${pages}/to-private`, { allowLoopback })).toBeNull();
  });

  it("refuses loopback without the tests' allowance", async () => {
    expect(await fetchPreview(`${pages}/og`)).toBeNull();
  });

  it("gives up on a page that does not answer in time", async () => {
    const started = Date.now();
    expect(await fetchPreview(`${pages}/slow`, { allowLoopback, timeoutMs: 300 })).toBeNull();
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("reads no more than 1 MiB of a page that never ends", async () => {
    expect(await fetchPreview(`${pages}/endless`, { allowLoopback })).toMatchObject({ title: "Endless" });
  });

  it("ignores what is not HTML, and pages that are not there", async () => {
    expect(await fetchPreview(`${pages}/json`, { allowLoopback })).toBeNull();
    expect(await fetchPreview(`${pages}/missing`, { allowLoopback })).toBeNull();
  });

  it("keeps a title full of markup as the text it is", async () => {
    expect((await fetchPreview(`${pages}/payload`, { allowLoopback }))?.title).toBe(PAYLOAD_TITLE);
  });
});

describe("a preview's picture", () => {
  it("is fetched through the guard and judged from its bytes", async () => {
    const image = await fetchImage(`${pages}/picture.png`, { allowLoopback });
    expect(image).toMatchObject({ content_type: "image/png", width: 2, height: 1 });
    expect(image?.bytes).toEqual(picture);
  });

  it("is nothing at a private or metadata address, when it is not an image, or when it is over 5 MiB", async () => {
    expect(await fetchImage("http://10.0.0.1/picture.png", { allowLoopback })).toBeNull();
    expect(await fetchImage(`${pages}/to-metadata`, { allowLoopback })).toBeNull();
    expect(await fetchImage(`${pages}/fake.png`, { allowLoopback })).toBeNull();
    expect(await fetchImage(`${pages}/huge.png`, { allowLoopback })).toBeNull();
    expect(await fetchImage(`${pages}/picture.png`)).toBeNull();
    expect(await fetchImage("file:///etc/passwd", { allowLoopback })).toBeNull();
  });
});

describe("the links of a message", () => {
  it("are its distinct http(s) addresses, at most 3, without sentence punctuation", () => {
    expect(linksIn("see https://a.example/x. and http://b.example, https://a.example/x ftp://c.example")).toEqual([
      "https://a.example/x",
      "http://b.example",
    ]);
    expect(linksIn("http://1.example http://2.example http://3.example http://4.example")).toHaveLength(3);
  });
});

describe("a message with a link", () => {
  it("gains its previews live, as a message_edited that leaves edited_at alone, and keeps them in history", async () => {
    const sender = await makeUser();
    const other = await makeUser();
    const room = await makeRoom(sender, [other]);
    const socket = await openLiveRoom(other.access, room.id);
    const sent = await sendToRoom(sender, room.id, `lunch? ${pages}/og`);
    const posted = (await socket.nextOf("message")).message;
    expect(posted).not.toHaveProperty("previews");
    const edited = (await socket.nextOf("message_edited")).message;
    expect(edited).toMatchObject({ id: posted.id, edited_at: null, content: `lunch? ${pages}/og` });
    expect(edited.previews).toEqual([
      {
        url: `${pages}/og`,
        title: "Lunch & Learn",
        description: "Every Friday, in the big room.",
        image_url: expect.stringMatching(ourLink(room.id)),
        image_width: 2,
        image_height: 1,
        site_name: "Office",
      },
    ]);
    const stored = (await historyOf(other.access, room.id)).find((message) => message.id === posted.id);
    expect(stored).toMatchObject({ id: sent.id, previews: [{ ...edited.previews[0], image_url: expect.any(String) }] });
  });

  it("shows the page's picture as our own file: a signed link that serves its bytes as image/png", async () => {
    const sender = await makeUser();
    const room = await makeRoom(sender, []);
    const socket = await openLiveRoom(sender.access, room.id);
    await sendToRoom(sender, room.id, `${pages}/og`);
    const [preview] = (await socket.nextOf("message_edited")).message.previews;
    const served = await exports.default.fetch(new Request(`${ORIGIN}${preview.image_url}`));
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(picture);
    const { pathname } = new URL(preview.image_url, ORIGIN);
    expectError(await call("GET", pathname), 403);
  });

  it.each([
    ["at a private address", "private-picture"],
    ["behind a redirect to the metadata address", "metadata-picture"],
    ["not an image by its bytes", "fake-picture"],
    ["over 5 MiB", "huge-picture"],
  ])("keeps its preview without the picture when the picture is %s", async (_, page) => {
    const sender = await makeUser();
    const room = await makeRoom(sender, []);
    const socket = await openLiveRoom(sender.access, room.id);
    await sendToRoom(sender, room.id, `${pages}/og/${page}`);
    const { message } = await socket.nextOf("message_edited");
    expect(message.previews).toEqual([
      { url: `${pages}/og/${page}`, title: expect.any(String), description: null, image_url: null, site_name: null },
    ]);
    expect((await env.AVATARS.list({ prefix: `attachments/${room.id}/` })).objects).toEqual([]);
  });

  it("takes its pictures along when edited or deleted", async () => {
    const sender = await makeUser();
    const room = await makeRoom(sender, []);
    const socket = await openLiveRoom(sender.access, room.id);
    const kept = async () => (await env.AVATARS.list({ prefix: `attachments/${room.id}/` })).objects;
    await sendToRoom(sender, room.id, `${pages}/og`);
    const sent = (await socket.nextOf("message_edited")).message;
    const [first] = await kept();
    const edit = await call("PATCH", `/api/v1/messages/${sent.id}/`, {
      token: sender.access,
      json: { content: `again ${pages}/og` },
    });
    expect(edit.status).toBe(200);
    await socket.nextOf("message_edited");
    const { message } = await socket.nextOf("message_edited");
    expect(message.previews[0].image_url).toMatch(ourLink(room.id));
    const now = await kept();
    expect(now).toHaveLength(1);
    expect(now[0].key).not.toBe(first.key);
    await call("DELETE", `/api/v1/messages/${sent.id}/`, { token: sender.access });
    expect(await kept()).toEqual([]);
  });

  it("loses its previews when deleted", async () => {
    const sender = await makeUser();
    const room = await makeRoom(sender, []);
    const socket = await openLiveRoom(sender.access, room.id);
    await sendToRoom(sender, room.id, `${pages}/title`);
    const { message } = await socket.nextOf("message_edited");
    expect(message.previews).toHaveLength(1);
    const deleted = await call("DELETE", `/api/v1/messages/${message.id}/`, { token: sender.access });
    expect(deleted.status).toBeLessThan(300);
    const history = await historyOf(sender.access, room.id);
    expect(history.find((m) => m.id === message.id)).not.toHaveProperty("previews");
  });
});

describe("LINK_PREVIEWS = off", () => {
  it("fetches nothing", () => {
    const started: Promise<unknown>[] = [];
    const previews = new LinkPreviews(
      { env: { ...env, LINK_PREVIEWS: "off" }, roomId: 1 },
      undefined as never,
      (work) => started.push(work),
      () => {},
      (row) => row,
    );
    previews.look({ id: 1, content: `${pages}/og`, deleted: false });
    expect(started).toEqual([]);
    new LinkPreviews(
      { env, roomId: 1 },
      undefined as never,
      (work) => started.push(work),
      () => {},
      (row) => row,
    ).look({
      id: 1,
      content: "no links here",
      deleted: false,
    });
    expect(started).toEqual([]);
  });
});
