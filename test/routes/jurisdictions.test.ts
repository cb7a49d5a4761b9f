/**
 * Rooms pinned to a region: a new group names a jurisdiction the ROOM_JURISDICTIONS setting
 * allows, its answers say so, and it works as any room (local workerd has no jurisdictions,
 * so its object runs beside the others; durable/room/context.ts).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../core/db";
import { findRoom } from "../../core/db/rooms";
import { roomObject } from "../../durable/room";
import { allowedJurisdictions } from "../../worker/rooms/jurisdictions";
import { call, expectError, historyOf, makeRoom, makeUser, sendToRoom, snapshot } from "../support/api";
import { openLiveRoom } from "../support/sockets";

const create = (token: string, json: unknown, settings?: Partial<Env>) =>
  call("POST", "/api/v1/rooms/", { token, json, settings });

describe("a room pinned to a jurisdiction", () => {
  it("is created in an allowed jurisdiction and every answer of it says which", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const answer = await create(owner.access, { title: "eu only", participants: [member.id], jurisdiction: "eu" });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.jurisdiction).toBe("eu");
    expect((await findRoom(database(env), answer.body.id))?.jurisdiction).toBe("eu");

    const one = await call("GET", `/api/v1/rooms/${answer.body.id}/`, { token: member.access });
    expect(one.body.jurisdiction).toBe("eu");
    const list = await call("GET", "/api/v1/rooms/", { token: member.access });
    const listed = list.body.results.find((room: { id: number }) => room.id === answer.body.id);
    expect(listed.jurisdiction).toBe("eu");
  });

  it("sends, reads and goes live like any room", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = (await create(owner.access, { title: "pinned", participants: [member.id], jurisdiction: "eu" })).body;
    const watcher = await openLiveRoom(member.access, room.id);
    const sent = await sendToRoom(owner, room.id, "kept in the eu");
    expect(sent.jurisdiction).toBe("eu");
    expect((await watcher.nextOf("message")).message.content).toBe("kept in the eu");
    expect((await historyOf(member.access, room.id)).map((m) => m.content)).toEqual(["kept in the eu"]);
    const message = sent.messages.at(-1);
    const edit = await call("PATCH", `/api/v1/messages/${message.id}/`, {
      token: owner.access,
      json: { content: "edited in the eu" },
    });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    expect((await watcher.nextOf("message_edited")).message.content).toBe("edited in the eu");
    const found = await call("GET", "/api/v1/search/?q=edited", { token: member.access });
    expect(found.body.results.map((r: { id: number }) => r.id)).toContain(message.id);
    watcher.close();
  });

  it("is reached through the room's address, which knows its jurisdiction", async () => {
    const owner = await makeUser();
    const room = (await create(owner.access, { title: "addressed", jurisdiction: "eu" })).body;
    await sendToRoom(owner, room.id, "by address");
    const stored = await findRoom(database(env), room.id);
    const page = await roomObject(env, stored!).history({ limit: 10 });
    expect(page.rows.map((row) => row.content)).toEqual(["by address"]);
  });

  it("takes fedramp where the setting allows it", async () => {
    const owner = await makeUser();
    const answer = await create(
      owner.access,
      { title: "fedramp", jurisdiction: "fedramp" },
      { ROOM_JURISDICTIONS: "eu,fedramp" },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.jurisdiction).toBe("fedramp");
  });

  it("refuses a jurisdiction the setting does not allow with 400, making nothing", async () => {
    const owner = await makeUser();
    const before = await snapshot();
    const answer = await create(owner.access, { title: "not here", jurisdiction: "fedramp" });
    expectError(answer, 400);
    expect(answer.body.fields).toEqual({ jurisdiction: "must be one of: eu" });
    const none = await create(owner.access, { title: "none", jurisdiction: "eu" }, { ROOM_JURISDICTIONS: "" });
    expectError(none, 400);
    expect(none.body.fields.jurisdiction).toMatch(/none allowed/);
    expect(await snapshot()).toEqual(before);
  });

  it.each([["mars"], [""], ["EU"], [1], [null], [["eu"]]])("refuses the jurisdiction %j with 400", async (value) => {
    const owner = await makeUser();
    const before = await snapshot();
    const answer = await create(owner.access, { title: "bad", jurisdiction: value });
    expectError(answer, 400);
    expect(Object.keys(answer.body.fields)).toEqual(["jurisdiction"]);
    expect(await snapshot()).toEqual(before);
  });
});

describe("a room without a jurisdiction", () => {
  it("has none in its answers, as before", async () => {
    const owner = await makeUser();
    const room = await makeRoom(owner);
    expect(room).not.toHaveProperty("jurisdiction");
    expect((await findRoom(database(env), room.id))?.jurisdiction).toBeNull();
  });
});

describe("the ROOM_JURISDICTIONS setting", () => {
  it("allows the named ones it knows, in order, and ignores the rest", () => {
    expect(allowedJurisdictions({ ROOM_JURISDICTIONS: "" })).toEqual([]);
    expect(allowedJurisdictions({ ROOM_JURISDICTIONS: " fedramp , eu " })).toEqual(["eu", "fedramp"]);
    expect(allowedJurisdictions({ ROOM_JURISDICTIONS: "eu,mars" })).toEqual(["eu"]);
  });
});

describe("roomObject", () => {
  /** A namespace that says which jurisdiction and name each object was reached by. */
  function namespace(refusal?: Error) {
    const reached: string[] = [];
    const part = (where: string): unknown => ({
      jurisdiction(jurisdiction: string) {
        if (refusal) throw refusal;
        return part(jurisdiction);
      },
      idFromName: (name: string) => ({ name, where }),
      get: (id: { name: string; where: string }) => reached.push(`${id.where} ${id.name}`),
    });
    return { ROOM: part("anywhere") as Env["ROOM"], reached };
  }

  it("reaches a pinned room's object in its jurisdiction, and any other one in the plain namespace", () => {
    const { ROOM, reached } = namespace();
    roomObject({ ...env, ROOM } as Env, { id: 7, jurisdiction: "eu" });
    roomObject({ ...env, ROOM } as Env, { id: 8, jurisdiction: "fedramp" });
    roomObject({ ...env, ROOM } as Env, { id: 9, jurisdiction: null });
    expect(reached).toEqual(["eu room:7", "fedramp room:8", "anywhere room:9"]);
  });

  it("falls back to the plain namespace only where workerd says it has no jurisdictions", () => {
    const local = namespace(new Error("Jurisdiction restrictions are not implemented in workerd."));
    roomObject({ ...env, ROOM: local.ROOM } as Env, { id: 7, jurisdiction: "eu" });
    expect(local.reached).toEqual(["anywhere room:7"]);
    const broken = namespace(new TypeError("something else"));
    expect(() => roomObject({ ...env, ROOM: broken.ROOM } as Env, { id: 7, jurisdiction: "eu" })).toThrow(
      "something else",
    );
  });
});
