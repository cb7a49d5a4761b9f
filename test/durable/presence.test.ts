import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Inbox, inboxObject } from "../../durable/inbox";
import { call, makeRoom, makeUser } from "../support/api";
import { openInbox, openRoom } from "../support/sockets";

const presenceOf = async (viewer: { access: string }, userId: number) =>
  (await call("GET", `/api/v1/profiles/${userId}/`, { token: viewer.access })).body as {
    is_online: boolean | null;
    last_seen: string | null;
  };

describe("presence in user listings", () => {
  it("shows someone online while a tab of theirs is open, and offline with a last-seen time once it closes", async () => {
    const [viewer, user] = [await makeUser(), await makeUser()];
    expect(await presenceOf(viewer, user.id)).toEqual(expect.objectContaining({ is_online: false, last_seen: null }));
    const tab = await openInbox(user.access);
    await tab.nextOf("unread");
    expect(await presenceOf(viewer, user.id)).toMatchObject({ is_online: true });
    const available = await call("GET", "/api/v1/profiles/get_available_users/", { token: viewer.access });
    expect(available.body.find((u: { id: number }) => u.id === user.id)).toMatchObject({ is_online: true });
    tab.close();
    await tab.closed;
    expect(await presenceOf(viewer, user.id)).toMatchObject({ is_online: false, last_seen: expect.any(String) });
  });

  it("keeps someone online while any of their tabs is open", async () => {
    const [viewer, user] = [await makeUser(), await makeUser()];
    const first = await openInbox(user.access);
    const second = await openInbox(user.access);
    await first.nextOf("unread");
    await second.nextOf("unread");
    first.close();
    await first.closed;
    expect(await presenceOf(viewer, user.id)).toMatchObject({ is_online: true });
  });

  it("counts a room socket as being online", async () => {
    const [owner, member] = [await makeUser(), await makeUser()];
    const room = await makeRoom(owner, [member]);
    const socket = await openRoom(member.access, room.id);
    await socket.nextOf("caught_up");
    const answer = await call("GET", `/api/v1/rooms/${room.id}/`, { token: owner.access });
    expect(answer.body.participants.find((u: { id: number }) => u.id === member.id)).toMatchObject({ is_online: true });
  });

  it("takes a tab that stopped pinging for gone, and the user offline", async () => {
    const [viewer, user] = [await makeUser(), await makeUser()];
    const tab = await openInbox(user.access);
    await tab.nextOf("unread");
    const inbox = inboxObject(env, user.id);
    // As if the tab had crashed long ago: connected, never pinged since.
    await runInDurableObject(inbox, async (_inbox: Inbox, state) => {
      for (const ws of state.getWebSockets()) ws.serializeAttachment({ connectedAt: 0 });
    });
    await runDurableObjectAlarm(inbox);
    expect((await tab.closed).code).toBe(4008);
    expect(await presenceOf(viewer, user.id)).toMatchObject({ is_online: false });
  });
});
