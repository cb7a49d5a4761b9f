import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AttachmentLinks, attachmentKey } from "../../core/attachments";
import { roomObject } from "../../durable/room";
import { cleanName, disposition } from "../../worker/attachment-files";
import { call, expectError, historyOf, makeRoom, makeUser, sendToUser } from "../support/api";
import { openLiveRoom } from "../support/sockets";

/** A 3x2 PNG's signature and header: enough for the worker to know it and its size. */
const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0,
  0, 0,
]);

type Person = Awaited<ReturnType<typeof makeUser>>;

function upload(person: Person | undefined, roomId: number, file: File, settings?: Partial<Env>) {
  const form = new FormData();
  form.append("file", file);
  return call("POST", `/api/v1/rooms/${roomId}/attachments/`, { token: person?.access, body: form, settings });
}

async function uploaded(person: Person, roomId: number, file: File) {
  const answer = await upload(person, roomId, file);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as { id: string; name: string; size: number; content_type: string; url: string };
}

async function roomOfTwo() {
  const [owner, member, outsider] = [await makeUser(), await makeUser(), await makeUser()];
  const room = await makeRoom(owner, [member], "files");
  return { owner, member, outsider, room };
}

const sendToRoom = (person: Person, roomId: number, body: Record<string, unknown>) =>
  call("POST", "/api/v1/send_message_to_room/", { token: person.access, json: { group_id: roomId, ...body } });

const waitingUploads = (roomId: number) =>
  runInDurableObject(roomObject(env, { id: roomId, jurisdiction: null }), (_, state) =>
    state.storage.sql.exec<{ id: string }>("SELECT id FROM uploads").toArray(),
  );

describe("POST /api/v1/rooms/{id}/attachments/", () => {
  it("stores a member's PNG in R2 and answers 201 with its type and size judged from its bytes", async () => {
    const { owner, room } = await roomOfTwo();
    const file = await uploaded(owner, room.id, new File([PNG], "shot.bin", { type: "application/pdf" }));
    expect(file).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: "shot.bin",
      size: PNG.length,
      content_type: "image/png",
      width: 3,
      height: 2,
      url: expect.stringMatching(
        new RegExp(`^/api/v1/rooms/${room.id}/attachments/${file.id}/\\?expires=\\d+&signature=[\\w-]{43}$`),
      ),
    });
    const object = await env.AVATARS.get(attachmentKey(room.id, file.id));
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(PNG);
  });

  it("refuses someone not in the room with 403, and stores nothing", async () => {
    const { outsider, room } = await roomOfTwo();
    expectError(await upload(outsider, room.id, new File(["x"], "x.txt")), 403, "permission_denied");
    expect((await env.AVATARS.list({ prefix: `attachments/${room.id}/` })).objects).toEqual([]);
    expect(await waitingUploads(room.id)).toEqual([]);
  });

  it("refuses no token with 401 and a missing room with 404", async () => {
    const { owner, room } = await roomOfTwo();
    expectError(await upload(undefined, room.id, new File(["x"], "x.txt")), 401);
    expectError(await upload(owner, 999_999_999, new File(["x"], "x.txt")), 404);
  });

  it("refuses a file over the configured limit with 413, and stores nothing", async () => {
    const { owner, room } = await roomOfTwo();
    const answer = await upload(owner, room.id, new File([new Uint8Array(2000)], "big.bin"), {
      ATTACHMENT_MAX_BYTES: "1000",
    });
    expectError(answer, 413, "too_large");
    expect(await waitingUploads(room.id)).toEqual([]);
    const fits = await upload(owner, room.id, new File([new Uint8Array(900)], "small.bin"), {
      ATTACHMENT_MAX_BYTES: "1000",
    });
    expect(fits.status).toBe(201);
  });

  it("refuses a form without a file with 400", async () => {
    const { owner, room } = await roomOfTwo();
    const form = new FormData();
    form.append("file", "just text");
    expectError(await call("POST", `/api/v1/rooms/${room.id}/attachments/`, { token: owner.access, body: form }), 400);
  });

  it("keeps a file name as text, cut to length, without paths or control characters", async () => {
    expect(cleanName("../../etc/passwd")).toBe("passwd");
    expect(cleanName("C:\\Users\\me\\report.pdf")).toBe("report.pdf");
    expect(cleanName("evil\u202egnp.exe")).toBe("evilgnp.exe");
    expect(cleanName("\u0000\n")).toBe("file");
    const long = cleanName(`${"a".repeat(500)}.pdf`);
    expect([...long]).toHaveLength(200);
    expect(long.endsWith(".pdf")).toBe(true);
    expect(disposition("attachment", 'a "b";\r\nc é.txt')).toBe(
      `attachment; filename="a _b____c _.txt"; filename*=UTF-8''a%20%22b%22%3B%0D%0Ac%20%C3%A9.txt`,
    );
  });
});

describe("GET /api/v1/rooms/{id}/attachments/{attachment}/", () => {
  it("serves an image inline by its signed link, without a token, with nosniff and a sandboxing CSP", async () => {
    const { owner, room } = await roomOfTwo();
    const file = await uploaded(owner, room.id, new File([PNG], "shot.png", { type: "image/png" }));
    const served = await call("GET", file.url);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("content-disposition")).toBe(`inline; filename="shot.png"; filename*=UTF-8''shot.png`);
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    expect(served.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
  });

  it.each([
    ["an HTML page", "<!doctype html><script>alert(1)</script>", "page.html", "text/html"],
    ["an SVG", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "image/svg+xml"],
    ["an HTML page named .png", "<html><script>alert(1)</script></html>", "cat.png", "image/png"],
  ])("serves %s as an octet-stream download, never as a page", async (_, text, name, type) => {
    const { owner, room } = await roomOfTwo();
    const file = await uploaded(owner, room.id, new File([text], name, { type }));
    expect(file.content_type).toBe("application/octet-stream");
    expect(file).not.toHaveProperty("width");
    const served = await call("GET", file.url);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("application/octet-stream");
    expect(served.headers.get("content-disposition")).toMatch(/^attachment; /);
    expect(served.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(served.body).toBe(text);
  });

  it("refuses a tampered link, another file's signature and an expired link with 403, never the file", async () => {
    const { owner, room } = await roomOfTwo();
    const file = await uploaded(owner, room.id, new File(["secret"], "a.txt"));
    const other = await uploaded(owner, room.id, new File(["other"], "b.txt"));
    const url = new URL(file.url, "http://x");
    const signature = url.searchParams.get("signature")!;
    const flipped = `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    const expires = Number(url.searchParams.get("expires"));
    const tries = [
      file.url.replace(signature, flipped),
      file.url.replace(`expires=${expires}`, `expires=${expires + 600}`),
      other.url.replace(other.id, file.id),
      `${url.pathname}?expires=${expires}`,
      url.pathname,
      new AttachmentLinks(env.JWT_SECRET, Date.now() - 2 * 60 * 60 * 1000).url(room.id, file.id),
    ];
    for (const link of tries) {
      const answer = await call("GET", link);
      expectError(answer, 403, "permission_denied");
      expect(answer.body).not.toBe("secret");
    }
  });

  it("answers 404 for a signed link to a file that is gone", async () => {
    const { room } = await roomOfTwo();
    expectError(await call("GET", new AttachmentLinks(env.JWT_SECRET).url(room.id, "f".repeat(32))), 404);
  });
});

describe("sending files", () => {
  it("sends uploads with a message over REST, without text; the message carries them with fresh links", async () => {
    const { owner, member, room } = await roomOfTwo();
    const picture = await uploaded(owner, room.id, new File([PNG], "shot.png"));
    const notes = await uploaded(owner, room.id, new File(["notes"], "notes.txt"));
    const answer = await sendToRoom(owner, room.id, { attachments: [notes.id, picture.id] });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const sent = answer.body.messages.at(-1);
    expect(sent.content).toBe("");
    expect(sent.attachments.map((file: { id: string }) => file.id)).toEqual([notes.id, picture.id]);
    expect(sent.attachments[1]).toMatchObject({ name: "shot.png", content_type: "image/png", width: 3, height: 2 });
    // What a member reads shows the files too, with links that work.
    const [shown] = (await historyOf(member.access, room.id)).slice(-1) as any[];
    expect(shown.attachments).toHaveLength(2);
    expect((await call("GET", shown.attachments[0].url)).body).toBe("notes");
    expect(await waitingUploads(room.id)).toEqual([]);
  });

  it("keeps messages without files as they were: no attachments key", async () => {
    const { owner, room } = await roomOfTwo();
    const answer = await sendToRoom(owner, room.id, { message: "plain" });
    expect(answer.body.messages.at(-1)).not.toHaveProperty("attachments");
  });

  it("still refuses a send with neither text nor files as blank", async () => {
    const { owner, room } = await roomOfTwo();
    const answer = await sendToRoom(owner, room.id, { message: "  " });
    expectError(answer, 400);
    expect(answer.body.fields).toEqual({ message: "must not be blank" });
    expect((await sendToRoom(owner, room.id, { attachments: [] })).body.fields).toEqual({
      message: "must not be blank",
    });
  });

  it("refuses ids that are unknown, someone else's, from another room, already sent or repeated, storing nothing", async () => {
    const { owner, member, room } = await roomOfTwo();
    const elsewhere = await makeRoom(owner, [member], "elsewhere");
    const mine = await uploaded(owner, room.id, new File(["a"], "a.txt"));
    const theirs = await uploaded(member, room.id, new File(["b"], "b.txt"));
    const otherRoom = await uploaded(owner, elsewhere.id, new File(["c"], "c.txt"));
    const sent = await uploaded(owner, room.id, new File(["d"], "d.txt"));
    expect((await sendToRoom(owner, room.id, { message: "first", attachments: [sent.id] })).status).toBe(201);
    const before = await historyOf(owner.access, room.id);
    for (const ids of [[mine.id, "0".repeat(32)], [mine.id, theirs.id], [otherRoom.id], [sent.id], ["nope"]]) {
      const answer = await sendToRoom(owner, room.id, { message: "with files", attachments: ids });
      expectError(answer, 400, "invalid");
      expect(Object.keys(answer.body.fields)).toEqual([expect.stringMatching(/^attachments/)]);
    }
    const repeated = await sendToRoom(owner, room.id, { message: "x", attachments: [mine.id, mine.id] });
    expect(repeated.body.fields).toEqual({ attachments: "must not name a file twice" });
    const tooMany = await sendToRoom(owner, room.id, { message: "x", attachments: Array(11).fill(mine.id) });
    expect(tooMany.body.fields.attachments).toMatch(/at most 10/);
    expect(await historyOf(owner.access, room.id)).toEqual(before);
    // The refused sends claimed nothing: the upload can still be sent.
    expect((await sendToRoom(owner, room.id, { attachments: [mine.id] })).status).toBe(201);
  });

  it("does not make a DM for a first message whose files cannot be in it", async () => {
    const [ana, ben] = [await makeUser(), await makeUser()];
    const answer = await call("POST", "/api/v1/send_message_to_user/", {
      token: ana.access,
      json: { user_id: ben.id, attachments: ["a".repeat(32)] },
    });
    expectError(answer, 400);
    expect((await call("GET", "/api/v1/rooms/", { token: ana.access })).body.count).toBe(0);
  });

  it("sends files to a DM over REST once it exists", async () => {
    const [ana, ben] = [await makeUser(), await makeUser()];
    const dm = await sendToUser(ana, ben, "hi");
    const file = await uploaded(ana, dm.id, new File([PNG], "shot.png"));
    const answer = await call("POST", "/api/v1/send_message_to_user/", {
      token: ana.access,
      json: { user_id: ben.id, attachments: [file.id] },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.messages.at(-1).attachments[0].id).toBe(file.id);
  });

  it("sends files over the socket: the ack and everyone's frame carry them, and a retry sends them once", async () => {
    const { owner, member, room } = await roomOfTwo();
    const file = await uploaded(owner, room.id, new File([PNG], "shot.png"));
    const [mine, theirs] = [await openLiveRoom(owner.access, room.id), await openLiveRoom(member.access, room.id)];
    mine.send({ type: "send", client_id: "f-1", attachments: [file.id] });
    const ack = await mine.nextOf("ack");
    expect(ack.message.attachments).toEqual([expect.objectContaining({ id: file.id, content_type: "image/png" })]);
    const seen = await theirs.nextOf("message");
    expect(seen.message.attachments[0].url).toMatch(/signature=/);
    mine.send({ type: "send", client_id: "f-1", attachments: [file.id] });
    const again = await mine.nextOf("ack");
    expect(again.message.id).toBe(ack.message.id);
    // A new socket catching up gets the files with their links.
    const late = await openLiveRoom(member.access, room.id, ack.message.id - 1);
    expect(late.received().find((frame) => frame.type === "message").message.attachments[0].id).toBe(file.id);
    for (const socket of [mine, theirs, late]) socket.close();
  });

  it("refuses a socket send of files that are not the sender's, storing nothing", async () => {
    const { owner, member, room } = await roomOfTwo();
    const theirs = await uploaded(member, room.id, new File(["b"], "b.txt"));
    const socket = await openLiveRoom(owner.access, room.id);
    socket.send({ type: "send", client_id: "f-2", content: "look", attachments: [theirs.id] });
    const error = await socket.nextOf("error");
    expect(error).toMatchObject({
      code: "invalid",
      client_id: "f-2",
      message: "attachments: only your own uploads can be sent",
    });
    expect(await historyOf(owner.access, room.id)).toEqual([]);
    socket.close();
  });

  it("takes a deleted message's files away", async () => {
    const { owner, room } = await roomOfTwo();
    const file = await uploaded(owner, room.id, new File(["gone"], "gone.txt"));
    const sent = (await sendToRoom(owner, room.id, { attachments: [file.id] })).body.messages.at(-1);
    expect((await call("DELETE", `/api/v1/messages/${sent.id}/`, { token: owner.access })).status).toBe(204);
    expect((await historyOf(owner.access, room.id)).at(-1)).not.toHaveProperty("attachments");
    expect(await env.AVATARS.head(attachmentKey(room.id, file.id))).toBeNull();
  });
});

describe("unsent uploads", () => {
  it("are removed from R2 and the room by the alarm an hour after upload, and can no longer be sent", async () => {
    const { owner, room } = await roomOfTwo();
    const old = await uploaded(owner, room.id, new File(["old"], "old.txt"));
    const fresh = await uploaded(owner, room.id, new File(["fresh"], "fresh.txt"));
    const stub = roomObject(env, { id: room.id, jurisdiction: null });
    // An hour and a minute ago, as far as the room knows.
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec("UPDATE uploads SET uploaded_at = ? WHERE id = ?", Date.now() - 61 * 60 * 1000, old.id);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await env.AVATARS.head(attachmentKey(room.id, old.id))).toBeNull();
    expect(await env.AVATARS.head(attachmentKey(room.id, fresh.id))).not.toBeNull();
    expect((await waitingUploads(room.id)).map((row) => row.id)).toEqual([fresh.id]);
    expectError(await sendToRoom(owner, room.id, { attachments: [old.id] }), 400);
    // The next alarm is due when the fresh one would expire.
    const next = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(next).not.toBeNull();
  });

  it("at most 50 wait per person in a room", async () => {
    const { owner, room } = await roomOfTwo();
    await runInDurableObject(roomObject(env, { id: room.id, jurisdiction: null }), (_, state) => {
      for (let i = 0; i < 50; i++)
        state.storage.sql.exec(
          "INSERT INTO uploads VALUES (?, ?, 'f', 1, 'application/octet-stream', NULL, NULL, ?)",
          i.toString(16).padStart(32, "0"),
          owner.id,
          Date.now(),
        );
    });
    const answer = await upload(owner, room.id, new File(["x"], "x.txt"));
    expectError(answer, 429, "throttled");
  });
});
