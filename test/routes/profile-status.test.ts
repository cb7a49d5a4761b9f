/** A status (one emoji and a short text, until a time) and do-not-disturb: who sets them, what is refused, who sees them. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectError, makeRoom, makeUser, snapshot } from "../support/api";

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

const setStatus = (user: { id: number; access: string }, json: Record<string, unknown>) =>
  call("PATCH", `/api/v1/profiles/${user.id}/`, { token: user.access, json });

describe("a status", () => {
  it("is set on your profile and carried on every user object others receive", async () => {
    const ann = await makeUser({ firstName: "Ann" });
    const ben = await makeUser();
    const until = inAnHour();
    const set = await setStatus(ann, { status_emoji: "🗓️", status_text: "  In a meeting  ", status_until: until });
    expect(set.status).toBe(200);
    const status = { status_emoji: "🗓️", status_text: "In a meeting", status_until: until };
    expect(set.body).toMatchObject(status);

    expect((await call("GET", `/api/v1/profiles/${ann.id}/`, { token: ben.access })).body).toMatchObject(status);
    const available = await call("GET", "/api/v1/profiles/get_available_users/", { token: ben.access });
    expect(available.body.find((user: { id: number }) => user.id === ann.id)).toMatchObject(status);
    const dm = await call("POST", "/api/v1/send_message_to_user/", {
      token: ben.access,
      json: { user_id: ann.id, message: "hi" },
    });
    expect(dm.body.participants.find((user: { id: number }) => user.id === ann.id)).toMatchObject(status);
    const listed = await call("GET", "/api/v1/rooms/", { token: ben.access });
    const room = listed.body.results.find((r: { id: number }) => r.id === dm.body.id);
    expect(room.participants.find((user: { id: number }) => user.id === ann.id)).toMatchObject(status);
  });

  it("may be an emoji alone or a text alone, and stays until cleared when it has no end", async () => {
    const user = await makeUser();
    expect((await setStatus(user, { status_emoji: "🌴" })).body).toMatchObject({
      status_emoji: "🌴",
      status_text: "",
      status_until: null,
    });
    expect((await setStatus(user, { status_text: "Back on Monday" })).body).toMatchObject({
      status_emoji: "",
      status_text: "Back on Monday",
      status_until: null,
    });
  });

  it("is set as a whole: a new text clears the old emoji", async () => {
    const user = await makeUser();
    await setStatus(user, { status_emoji: "🤒", status_text: "Out sick" });
    const { body } = await setStatus(user, { status_text: "Working from home" });
    expect(body.status_emoji).toBe("");
    expect(body.status_text).toBe("Working from home");
  });

  it("is cleared by empty fields, and then is absent from the user", async () => {
    const user = await makeUser();
    await setStatus(user, { status_emoji: "🚌", status_text: "Commuting" });
    const { status, body } = await setStatus(user, { status_emoji: null, status_text: "" });
    expect(status).toBe(200);
    expect(body).not.toHaveProperty("status_emoji");
    expect(body).not.toHaveProperty("status_text");
    expect(body).not.toHaveProperty("status_until");
  });

  it("reads as none once its time has passed", async () => {
    const user = await makeUser();
    const other = await makeUser();
    await setStatus(user, { status_emoji: "🗓️", status_text: "In a meeting", status_until: inAnHour() });
    await env.DB.prepare("UPDATE users SET status_until = '2020-01-01T00:00:00.000Z' WHERE id = ?").bind(user.id).run();
    const { body } = await call("GET", `/api/v1/profiles/${user.id}/`, { token: other.access });
    expect(body).not.toHaveProperty("status_text");
    expect(body).not.toHaveProperty("status_emoji");
  });

  it("keeps one spelling of its emoji, as reactions do", async () => {
    const user = await makeUser();
    expect((await setStatus(user, { status_emoji: "❤" })).body.status_emoji).toBe("❤️");
    expect((await setStatus(user, { status_emoji: "👩🏽‍💻" })).body.status_emoji).toBe("👩🏽‍💻");
  });

  it.each([
    ["a text over 100 characters", { status_text: "x".repeat(101) }, "status_text"],
    ["two emoji", { status_emoji: "🌴🌴" }, "status_emoji"],
    ["a word for an emoji", { status_emoji: "palm" }, "status_emoji"],
    ["a letter with a presentation selector", { status_emoji: "a\uFE0F" }, "status_emoji"],
    ["an end in the past", { status_text: "Away", status_until: "2020-01-01T00:00:00Z" }, "status_until"],
    ["an end that is no time", { status_text: "Away", status_until: "soon" }, "status_until"],
    ["an end with no status", { status_until: "2999-01-01T00:00:00Z" }, "status_until"],
    ["a text that is not text", { status_text: 42 }, "status_text"],
  ])("refuses %s with a 400 naming the field, and changes nothing", async (_, json, field) => {
    const user = await makeUser();
    await setStatus(user, { status_emoji: "🚌", status_text: "Commuting" });
    const before = await snapshot();
    const refused = await setStatus(user, json);
    expectError(refused, 400);
    expect(refused.body.fields).toHaveProperty(field);
    expect(await snapshot()).toEqual(before);
    expect((await call("GET", "/api/v1/profiles/me/", { token: user.access })).body.status_text).toBe("Commuting");
  });

  it("keeps its text on one line", async () => {
    const user = await makeUser();
    expect((await setStatus(user, { status_text: "Back\n\n  at  two" })).body.status_text).toBe("Back at two");
  });

  it("takes a text of exactly 100 characters once trimmed", async () => {
    const user = await makeUser();
    const text = "y".repeat(100);
    expect((await setStatus(user, { status_text: `  ${text}  ` })).body.status_text).toBe(text);
  });

  it("is yours to set: someone else gets a 403 and nothing changes, a superuser may clear it", async () => {
    const user = await makeUser();
    const other = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    await setStatus(user, { status_text: "Mine" });
    const before = await snapshot();
    expectError(
      await call("PATCH", `/api/v1/profiles/${user.id}/`, { token: other.access, json: { status_text: "Theirs" } }),
      403,
    );
    expect(await snapshot()).toEqual(before);
    const cleared = await call("PATCH", `/api/v1/profiles/${user.id}/`, {
      token: admin.access,
      json: { status_text: null },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty("status_text");
  });
});

describe("do-not-disturb", () => {
  it("is set and turned off on your own profile, and others never see it", async () => {
    const user = await makeUser();
    const other = await makeUser();
    const until = inAnHour();
    expect((await setStatus(user, { dnd_until: until })).body.dnd_until).toBe(until);
    expect((await call("GET", `/api/v1/profiles/${user.id}/`, { token: other.access })).body).not.toHaveProperty(
      "dnd_until",
    );
    expect((await setStatus(user, { dnd_until: null })).body.dnd_until).toBeNull();
  });

  it("refuses a time that is no time with a 400, and someone else's with a 403, changing nothing", async () => {
    const user = await makeUser();
    const admin = await makeUser({ isSuperuser: true });
    const before = await snapshot();
    const refused = await setStatus(user, { dnd_until: "tomorrow at nine" });
    expectError(refused, 400);
    expect(refused.body.fields).toHaveProperty("dnd_until");
    expectError(
      await call("PATCH", `/api/v1/profiles/${user.id}/`, { token: admin.access, json: { dnd_until: inAnHour() } }),
      403,
    );
    expect(await snapshot()).toEqual(before);
  });

  it("leaves a status as it was", async () => {
    const user = await makeUser();
    await setStatus(user, { status_emoji: "🌴", status_text: "On holiday" });
    const { body } = await setStatus(user, { dnd_until: inAnHour() });
    expect(body).toMatchObject({ status_emoji: "🌴", status_text: "On holiday" });
  });
});

describe("a group's participants", () => {
  it("carry their status too", async () => {
    const owner = await makeUser();
    const member = await makeUser();
    await setStatus(member, { status_emoji: "🤒", status_text: "Out sick" });
    const room = await makeRoom(owner, [member]);
    const { body } = await call("GET", `/api/v1/rooms/${room.id}/`, { token: owner.access });
    expect(body.participants.find((user: { id: number }) => user.id === member.id)).toMatchObject({
      status_emoji: "🤒",
      status_text: "Out sick",
    });
  });
});
