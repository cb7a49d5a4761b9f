import { describe, expect, it } from "vitest";
import { ApiError, answer, api } from "../../../client/lib/api";
import { accessToken, resumeSession, signIn, signOut } from "../../../client/lib/session";
import { apiError, fakeApi } from "../support/fake-api";
import { signedIn, TEST_ACCESS_TOKEN } from "../support/session";

describe("the session", () => {
  it("signs in in cookie mode and keeps only the access token, in memory", async () => {
    const server = fakeApi();
    server.on("POST", "/access_token", { body: { access: "fresh-access" } });
    await signIn("ana", "secret");
    const [request] = server.sent("POST", "/access_token");
    expect(request.headers.get("x-condor-refresh")).toBe("cookie");
    expect(request.body).toEqual({ username: "ana", password: "secret" });
    expect(accessToken()).toBe("fresh-access");
    expect(JSON.stringify({ ...sessionStorage, ...localStorage })).not.toContain("fresh-access");
  });

  it("throws the API's error, with its message, when signing in fails", async () => {
    const server = fakeApi();
    server.on(
      "POST",
      "/access_token",
      apiError(401, "No active account found with the given credentials", "authentication_failed"),
    );
    const failure = await signIn("ana", "wrong").catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(401);
  });

  it("signs out through the cookie and forgets the access token", async () => {
    const server = fakeApi();
    await signedIn(server);
    server.on("POST", "/logout", { body: { detail: "Signed out." } });
    await signOut();
    expect(server.sent("POST", "/logout")[0].headers.get("x-condor-refresh")).toBe("cookie");
    expect(accessToken()).toBeNull();
  });
});

describe("resuming a session on load", () => {
  it("does not ask the server when this browser never signed in, so a fresh load logs no 401", async () => {
    const server = fakeApi();
    localStorage.clear();
    expect(await resumeSession()).toBe(false);
    expect(server.requests).toEqual([]);
  });

  it("renews through the cookie after a sign-in, and asks no more once signed out", async () => {
    const server = fakeApi();
    await signedIn(server);
    server.on("POST", "/refresh_token", { body: { access: "renewed" } });
    expect(await resumeSession()).toBe(true);
    expect(accessToken()).toBe("renewed");
    server.on("POST", "/logout", { body: { detail: "Signed out." } });
    await signOut();
    server.requests.length = 0;
    expect(await resumeSession()).toBe(false);
    expect(server.requests).toEqual([]);
  });

  it("stops asking once the server says the cookie no longer signs in", async () => {
    const server = fakeApi();
    await signedIn(server);
    server.on("POST", "/refresh_token", apiError(401, "Token is invalid or expired", "token_not_valid"));
    expect(await resumeSession()).toBe(false);
    server.requests.length = 0;
    expect(await resumeSession()).toBe(false);
    expect(server.requests).toEqual([]);
  });
});

describe("api calls", () => {
  it("carry the access token", async () => {
    const server = fakeApi();
    await signedIn(server);
    server.on("GET", "/profiles/me", { body: { id: 1 } });
    await answer(api.profiles.me.$get());
    expect(server.sent("GET", "/profiles/me")[0].headers.get("authorization")).toBe(`Bearer ${TEST_ACCESS_TOKEN}`);
  });

  it("renew an expired access token through the refresh cookie once, and repeat the call", async () => {
    const server = fakeApi();
    await signedIn(server);
    server.on("POST", "/refresh_token", { body: { access: "renewed" } });
    server.on("GET", "/profiles/me", (request) =>
      request.headers.get("authorization") === "Bearer renewed"
        ? { body: { id: 7 } }
        : apiError(401, "Token is invalid or expired", "token_not_valid"),
    );
    expect(await answer(api.profiles.me.$get())).toEqual({ id: 7 });
    expect(server.sent("POST", "/refresh_token")).toHaveLength(1);
    expect(server.sent("POST", "/refresh_token")[0].headers.get("x-condor-refresh")).toBe("cookie");
  });

  it("throw the API's error with the fields it names", async () => {
    const server = fakeApi();
    await signedIn(server);
    server.on("POST", "/rooms", apiError(400, "The title is too long.", "invalid", { title: "too long" }));
    const failure = (await answer(api.rooms.$post({ json: { title: "x".repeat(300), participants: [] } })).catch(
      (err: unknown) => err,
    )) as ApiError;
    expect(failure.status).toBe(400);
    expect(failure.fields).toEqual({ title: "too long" });
    expect(failure.message).toBe("The title is too long.");
  });
});
