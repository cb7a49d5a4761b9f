/**
 * First-run setup on an empty installation (this file's D1 starts with no user): one
 * administrator, once, whatever the race; General made open and default; then 409.
 */
import { describe, expect, it } from "vitest";
import { call, expectError, makeUser, snapshot } from "../support/api";

const admin = (username: string) => ({
  username,
  first_name: "Ada",
  last_name: "Admin",
  email: `${username}@example.com`,
  password: "a long password",
});

describe("first-run setup", () => {
  it("says setup is needed while no user exists, to anyone", async () => {
    expect(await call("GET", "/api/v1/setup/")).toMatchObject({ status: 200, body: { needed: true } });
  });

  it("refuses a password too short for createuser and profiles, changing nothing", async () => {
    const before = await snapshot();
    const answer = await call("POST", "/api/v1/setup/", { json: { ...admin("ada"), password: "12345" } });
    expectError(answer, 400, "invalid");
    expect(answer.body.fields).toEqual({ password: "must be at least 6 characters" });
    expect(await snapshot()).toEqual(before);
  });

  it("makes exactly one administrator when two setups race, and answers the other 409", async () => {
    const answers = await Promise.all([
      call("POST", "/api/v1/setup/", { json: admin("first") }),
      call("POST", "/api/v1/setup/", { json: admin("second") }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const won = answers.find((a) => a.status === 201)!;
    const lost = answers.find((a) => a.status === 409)!;
    expectError(lost, 409, "conflict");
    expect(won.body).toEqual({ access: expect.any(String), refresh: expect.any(String) });

    const me = await call("GET", "/api/v1/profiles/me/", { token: won.body.access });
    expect(me.body).toMatchObject({ is_superuser: true, first_name: "Ada", email: `${me.body.username}@example.com` });
    const everyone = await call("GET", "/api/v1/profiles/", { token: won.body.access });
    expect(everyone.body.count).toBe(1);

    const rooms = await call("GET", "/api/v1/rooms/", { token: won.body.access });
    expect(rooms.body.results).toEqual([
      expect.objectContaining({ title: "General", is_group: true, open: true, default: true, owner: me.body.id }),
    ]);
  });

  it("answers 409 to every later setup and says it is no longer needed", async () => {
    const before = await snapshot();
    expectError(await call("POST", "/api/v1/setup/", { json: admin("late") }), 409, "conflict");
    expect(await snapshot()).toEqual(before);
    expect((await call("GET", "/api/v1/setup/")).body).toEqual({ needed: false });
  });

  it("puts every user made afterwards into General", async () => {
    const superuser = await makeUser({ isSuperuser: true });
    const made = await call("POST", "/api/v1/profiles/", {
      token: superuser.access,
      json: { username: "newcomer", password: "long enough" },
    });
    expect(made.status).toBe(201);
    const signedIn = await call("POST", "/api/v1/access_token/", {
      json: { username: "newcomer", password: "long enough" },
    });
    const rooms = await call("GET", "/api/v1/rooms/", { token: signedIn.body.access });
    expect(rooms.body.results.map((room: { title: string }) => room.title)).toEqual(["General"]);
  });
});
