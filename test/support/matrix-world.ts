/** The people and things the access matrix and the bad-input tests act on, made fresh per case. */
import { call, makeRoom, makeUser, sendToRoom } from "./api";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

export function avatarForm(): FormData {
  const form = new FormData();
  form.append("avatar", new File([PNG], "me.png", { type: "image/png" }));
  return form;
}

/** A form with one small file for a room, as the composer uploads it. */
export function attachmentForm(): FormData {
  const form = new FormData();
  form.append("file", new File(["notes"], "notes.txt", { type: "text/plain" }));
  return form;
}

/** A bot made by `admin` (no webhook) and added to the room by `member` of it: its id and key. */
export async function makeBot(
  admin: { access: string },
  member: { access: string },
  roomId: number,
): Promise<{ id: number; key: string }> {
  const username = `bot_${crypto.randomUUID().slice(0, 8)}`;
  const made = await call("POST", "/api/v1/bots/", { token: admin.access, json: { username, full_name: "Bot" } });
  const added = await call("POST", `/api/v1/rooms/${roomId}/members/`, {
    token: member.access,
    json: { participants: [made.body.id] },
  });
  if (added.status !== 200) throw new Error(`the bot was not added: ${JSON.stringify(added.body)}`);
  return made.body;
}

/** Everyone the matrix asks on behalf of, and the things they act on, made fresh per case. */
export async function world() {
  const owner = await makeUser({ firstName: "Owner" });
  const member = await makeUser({ firstName: "Member" });
  const other = await makeUser({ firstName: "Other" });
  const admin = await makeUser({ isSuperuser: true });
  const newcomer = await makeUser();
  const room = await makeRoom(owner, [member], "matrix room");
  const sent = await sendToRoom(owner, room.id, "owner's message");
  const message = sent.messages.at(-1);
  const upload = await call("POST", `/api/v1/rooms/${room.id}/attachments/`, {
    token: owner.access,
    body: attachmentForm(),
  });
  const file: { id: string; url: string } = upload.body;
  const invite = (await call("POST", "/api/v1/invites/", { token: admin.access, json: {} })).body;
  const bot = await makeBot(admin, owner, room.id);
  return { owner, member, other, admin, newcomer, room, message, file, invite, bot };
}
export type World = Awaited<ReturnType<typeof world>>;
export type Caller = "anonymous" | "other" | "self" | "owner" | "superuser";
