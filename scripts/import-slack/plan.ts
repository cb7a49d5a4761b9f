/**
 * The import from Slack, as a plan: the export and what the database holds go in; the users
 * and rooms to create, what is skipped and why, and who is to be invited come out. Nothing
 * here reads a file or touches a database (see ./index.ts).
 *
 * Decisions, each reported when it applies:
 * - A Slack user is someone here already when an account has their email, or their username
 *   and no other email; so a second run finds everyone it made. Others are created without a
 *   password (each is given an invite link); deleted ones inactive, bots without a link.
 * - Public channels become open rooms, private channels and group DMs closed groups, DMs
 *   DMs (or, when the pair has a DM here already, a closed group beside it). A room is here
 *   already when one has its title and its Slack creation time: a second run skips it.
 * - Messages keep Slack's order; replies stay in their threads, reactions with Slack's
 *   emoji (a workspace's own emoji are left out). Slack's notices (joins, topic changes)
 *   are not messages anyone wrote: left out, counted. A deleted message whose thread is in
 *   the export is kept as deleted, so its replies keep their thread.
 * - Files stay in Slack: a message links to them by their Slack URL.
 */
import { dmKey } from "../../core/db/dm-key.ts";
import { MAX_MESSAGE_LENGTH, MAX_REACTIONS_PER_MESSAGE } from "../../core/protocol-constants.ts";
import type { MessageBlock, NewMessage, NewRoom, NewUser, Remark } from "../import-condor/records.ts";
import { emojiOf } from "./emoji.ts";
import { LISTS, type ListName, type SlackConversation, type SlackExport, type SlackMessage } from "./export.ts";
import { translateText } from "./text.ts";

export type SlackExisting = {
  users: { id: number; username: string; email: string }[];
  rooms: { id: number; title: string; dm_key: string | null; created_at: string; members: number }[];
  /** The blocks of ids of rooms without members: rooms an import stopped before finishing. */
  unfinishedBlocks: MessageBlock[];
  nextUserId: number;
  nextRoomId: number;
  /** Message ids below it have been handed to rooms. */
  messageIdsHandedOut: number;
};

export type SlackRoom = NewRoom & { label: string; kind: ListName };

export type SlackPlan = {
  users: NewUser[];
  /** The created users who are to get an invite link: active people, not bots. */
  invited: NewUser[];
  rooms: SlackRoom[];
  skipped: Remark[];
  notes: Remark[];
  alreadyHere: { users: number; rooms: number };
};

/** Subtypes that are messages someone wrote (or a bot sent); any other is one of Slack's notices. */
const WRITTEN = new Set([
  undefined,
  "bot_message",
  "me_message",
  "file_share",
  "thread_broadcast",
  "slackbot_response",
  "tombstone",
]);

/** A Slack time (seconds with six decimals) as the ISO text the timestamps here hold. */
export const isoOf = (ts: string | number) => new Date(Math.floor(Number(ts) * 1000)).toISOString();

/** Orders Slack times exactly: as whole microseconds. */
const microseconds = (ts: string) => {
  const [seconds, fraction = ""] = ts.split(".");
  return BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, "0"));
};

/** A Slack name as a username here: 1 to 32 of letters, digits and @ . + - _. */
function usernameOf(name: string, slackId: string): string {
  const cleaned = name.replace(/[^\w.@+-]/g, "_").slice(0, 32);
  return cleaned === "" ? slackId.toLowerCase().slice(0, 32) : cleaned;
}

/** A free username near the wanted one, for a Slack user whose name someone else has here. */
function freeUsername(wanted: string, taken: Set<string>): string {
  for (let n = 2; ; n++) {
    const name = `${wanted.slice(0, 32 - String(n).length - 1)}_${n}`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

function planUsers(slack: SlackExport, existing: SlackExisting, remarks: Pick<SlackPlan, "skipped" | "notes">) {
  const byEmail = new Map(existing.users.filter((u) => u.email !== "").map((u) => [u.email.toLowerCase(), u]));
  const byUsername = new Map(existing.users.map((u) => [u.username.toLowerCase(), u]));
  const taken = new Set(byUsername.keys());
  const ids = new Map<string, number>();
  const usernames = new Map<number, string>();
  const bots = new Map<string, number>();
  const users: NewUser[] = [];
  const invited: NewUser[] = [];
  let alreadyHere = 0;
  let nextId = existing.nextUserId;
  for (const user of slack.users) {
    const record = `user ${user.id} (${user.name})`;
    if (ids.has(user.id)) {
      remarks.skipped.push({ record, reason: "appears twice in users.json" });
      continue;
    }
    const email = (user.profile.email ?? "").slice(0, 254);
    const wanted = usernameOf(user.name, user.id);
    const sameEmail = email === "" ? undefined : byEmail.get(email.toLowerCase());
    const sameName = byUsername.get(wanted.toLowerCase());
    const here = sameEmail ?? (sameName && (sameName.email === "" || email === "") ? sameName : undefined);
    if (here) {
      alreadyHere++;
      ids.set(user.id, here.id);
      usernames.set(here.id, here.username);
      if (user.profile.bot_id) bots.set(user.profile.bot_id, here.id);
      continue;
    }
    const username = taken.has(wanted.toLowerCase()) ? freeUsername(wanted, taken) : wanted;
    if (username !== wanted) {
      remarks.notes.push({
        record,
        reason: `the username '${wanted}' is someone else's here; imported as '${username}'`,
      });
    }
    const realName = user.profile.real_name ?? user.real_name ?? "";
    const [first = "", ...rest] = realName.split(" ");
    const isBot = user.is_bot || user.id === "USLACKBOT";
    const created: NewUser = {
      id: nextId++,
      username,
      email,
      firstName: (user.profile.first_name ?? first).slice(0, 150),
      lastName: (user.profile.last_name ?? rest.join(" ")).slice(0, 150),
      // Unusable ("!"): nobody signs in as an imported user but through their invite link.
      password: "!slack-import",
      isSuperuser: false,
      isActive: !user.deleted,
      dateJoined: new Date().toISOString(),
      lastLogin: null,
    };
    users.push(created);
    if (user.deleted) {
      remarks.notes.push({ record, reason: "deleted in Slack: imported inactive, with their messages; no invite" });
    } else if (isBot) {
      remarks.notes.push({ record, reason: "a bot: imported with its messages; it signs in nowhere, so no invite" });
    } else invited.push(created);
    ids.set(user.id, created.id);
    usernames.set(created.id, username);
    taken.add(username.toLowerCase());
    if (email !== "") byEmail.set(email.toLowerCase(), { id: created.id, username, email });
    if (user.profile.bot_id) bots.set(user.profile.bot_id, created.id);
  }
  return { users, invited, ids, usernames, bots, alreadyHere };
}

type People = ReturnType<typeof planUsers>;

/** The files of a message as links to Slack, and the ones that have no address any more. */
function fileLinks(message: SlackMessage, label: string, notes: Remark[]): string[] {
  return message.files.flatMap((file) => {
    const name = file.title || file.name || "file";
    const url = file.url_private ?? file.permalink;
    if (file.mode === "tombstone" || file.mode === "hidden_by_limit" || !url) {
      const why = file.mode === "hidden_by_limit" ? "hidden by Slack's plan limits" : "deleted in Slack";
      notes.push({ record: label, reason: `its file '${name}' is ${why}: not linked` });
      return [];
    }
    return [`[${name.replaceAll("]", "\\]")}](${url.replaceAll(")", "%29")})`];
  });
}

type Conversation = { kind: ListName; conversation: SlackConversation };

export function planSlackImport(slack: SlackExport, existing: SlackExisting): SlackPlan {
  const remarks = { skipped: [] as Remark[], notes: [] as Remark[] };
  const { skipped, notes } = remarks;
  for (const { path, reason } of slack.unreadable) skipped.push({ record: path, reason: `unreadable (${reason})` });
  const people = planUsers(slack, existing, remarks);
  const channelNames = new Map(
    [...slack.conversations.channels, ...slack.conversations.groups].map((c) => [c.id, c.name ?? c.id]),
  );
  const names = {
    user: (slackId: string) => {
      const id = people.ids.get(slackId);
      return id === undefined ? undefined : people.usernames.get(id);
    },
    channel: (slackId: string) => channelNames.get(slackId),
  };
  const existingDms = new Map(existing.rooms.flatMap((room) => (room.dm_key ? [[room.dm_key, room] as const] : [])));
  const existingRooms = new Map(
    existing.rooms.filter((room) => !room.dm_key).map((room) => [`${room.title}\u0000${room.created_at}`, room]),
  );
  const blocksOf = new Map<number, MessageBlock[]>();
  for (const block of existing.unfinishedBlocks)
    blocksOf.set(block.roomId, [...(blocksOf.get(block.roomId) ?? []), block]);

  const conversations: Conversation[] = (Object.keys(LISTS) as ListName[]).flatMap((kind) =>
    slack.conversations[kind].map((conversation) => ({ kind, conversation })),
  );
  const rooms: SlackRoom[] = [];
  let alreadyHereRooms = 0;
  let nextRoomId = existing.nextRoomId;
  let nextMessageId = existing.messageIdsHandedOut;
  const folders = new Set(slack.folders.keys());
  for (const { kind, conversation } of conversations) {
    const folder = kind === "dms" ? conversation.id : (conversation.name ?? conversation.id);
    folders.delete(folder);
    const memberIds = [...new Set(conversation.members.flatMap((slackId) => people.ids.get(slackId) ?? []))];
    const who = memberIds.map((id) => people.usernames.get(id)).join(", ");
    const label =
      kind === "channels"
        ? `#${folder}`
        : kind === "groups"
          ? `#${folder} (private)`
          : kind === "mpims"
            ? `group DM ${folder}`
            : `DM ${conversation.id} (${who})`;
    const slackMessages = slack.folders.get(folder) ?? [];
    for (const slackId of conversation.members) {
      if (!people.ids.has(slackId))
        notes.push({ record: label, reason: `member ${slackId} is not in users.json: left out` });
    }
    if (memberIds.length === 0) {
      skipped.push({
        record: label,
        reason: `none of its members is imported; its ${slackMessages.length} messages are not imported`,
      });
      continue;
    }
    const createdAt = isoOf(conversation.created);
    const creator = conversation.creator === undefined ? undefined : people.ids.get(conversation.creator);
    const owner = creator !== undefined && memberIds.includes(creator) ? creator : memberIds[0];

    let title: string;
    let key: string | null = null;
    let isGroup = true;
    if (kind === "dms") {
      if (memberIds.length === 2) {
        const pair = dmKey(memberIds[0], memberIds[1]);
        const dm = existingDms.get(pair);
        if (!dm || dm.created_at === createdAt) {
          key = pair;
          isGroup = false;
        } else {
          notes.push({ record: label, reason: "the pair has a DM here already; imported as a closed group beside it" });
        }
      } else {
        notes.push({
          record: label,
          reason: `a DM of ${memberIds.length} imported people, not two; imported as a closed group`,
        });
      }
      title = memberIds.map((id) => people.usernames.get(id)).join(" - ");
    } else if (kind === "mpims") {
      title = memberIds.map((id) => people.usernames.get(id)).join(", ");
    } else {
      title = folder;
    }
    title = title.slice(0, 255);
    const here = key ? existingDms.get(key) : existingRooms.get(`${title}\u0000${createdAt}`);
    const claimed = here !== undefined && here.members === 0;
    if (here && !claimed) {
      alreadyHereRooms++;
      continue;
    }
    if (claimed) notes.push({ record: label, reason: "an earlier import stopped before finishing it; finished now" });
    if (kind === "channels" && conversation.is_archived) {
      notes.push({ record: label, reason: "archived in Slack; imported as an open room like the others" });
    }

    const messages = planMessages(slackMessages, label, owner, memberIds, people, names, remarks);
    const id = here?.id ?? nextRoomId++;
    let first: number;
    if (claimed) {
      const blocks = blocksOf.get(id) ?? [];
      const claimedIds = blocks.reduce((sum, block) => sum + block.endId - block.firstId, 0);
      if (claimedIds !== messages.length) {
        skipped.push({
          record: label,
          reason: `an earlier import claimed ${claimedIds} ids for it, but the export has ${messages.length} messages to import now: room ${id} is left without members`,
        });
        continue;
      }
      first = blocks.reduce((min, block) => Math.min(min, block.firstId), Number.MAX_SAFE_INTEGER);
    } else {
      first = nextMessageId;
      nextMessageId += messages.length;
    }
    // Ids in Slack's order: a thread's root before its replies, as here.
    const idOf = new Map(messages.map((message, index) => [message.ts, first + index]));
    rooms.push({
      id,
      label,
      kind,
      title,
      isGroup,
      isOpen: kind === "channels",
      dmKey: key,
      createdBy: key ? memberIds[0] : owner,
      createdAt,
      members: memberIds.map((userId) => ({ userId, role: isGroup && userId === owner ? "owner" : "member" })),
      messages: messages.map(({ ts, threadTs, message }) => ({
        ...message,
        id: idOf.get(ts)!,
        ...(threadTs !== undefined && { threadRoot: idOf.get(threadTs) }),
      })),
      claimed,
    });
  }
  for (const folder of folders) {
    skipped.push({ record: `folder ${folder}`, reason: "no channel, group or DM of the export's lists has it" });
  }
  return {
    users: people.users,
    invited: people.invited,
    rooms,
    ...remarks,
    alreadyHere: { users: people.alreadyHere, rooms: alreadyHereRooms },
  };
}

type Planned = { ts: string; threadTs?: string; message: Omit<NewMessage, "id" | "threadRoot"> };

/** A conversation's messages to import, in Slack's order, with the root of each reply's thread. */
function planMessages(
  slackMessages: SlackMessage[],
  label: string,
  owner: number,
  members: number[],
  people: People,
  names: Parameters<typeof translateText>[1],
  { skipped, notes }: Pick<SlackPlan, "skipped" | "notes">,
): Planned[] {
  const sorted = [...new Map(slackMessages.map((m) => [m.ts, m])).values()].sort((a, b) =>
    microseconds(a.ts) < microseconds(b.ts) ? -1 : microseconds(a.ts) > microseconds(b.ts) ? 1 : 0,
  );
  const withReplies = new Set(sorted.flatMap((m) => (m.thread_ts && m.thread_ts !== m.ts ? [m.thread_ts] : [])));
  const notices = new Map<string, number>();
  const customEmoji = new Map<string, number>();
  const planned: Planned[] = [];
  const roots = new Set<string>();
  for (const m of sorted) {
    const record = `${label} message ${m.ts}`;
    if (!WRITTEN.has(m.subtype)) {
      notices.set(m.subtype!, (notices.get(m.subtype!) ?? 0) + 1);
      continue;
    }
    const isReply = m.thread_ts !== undefined && m.thread_ts !== m.ts;
    let threadTs: string | undefined;
    if (isReply) {
      if (roots.has(m.thread_ts!)) threadTs = m.thread_ts;
      else
        notes.push({
          record,
          reason: `its thread's first message (${m.thread_ts}) is not imported; it is in the room's timeline`,
        });
    }
    const createdAt = isoOf(m.ts);
    if (m.subtype === "tombstone") {
      // Kept, deleted, only to hold its thread's replies; nobody sees its text.
      if (!withReplies.has(m.ts)) continue;
      planned.push({
        ts: m.ts,
        message: { senderId: owner, content: "", createdAt, editedAt: null, deletedAt: createdAt },
      });
      roots.add(m.ts);
      continue;
    }
    const senderId =
      (m.user === undefined ? undefined : people.ids.get(m.user)) ??
      (m.bot_id === undefined ? undefined : people.bots.get(m.bot_id));
    if (senderId === undefined) {
      const sender = m.user ?? (m.bot_id ? `bot ${m.bot_id}${m.username ? ` (${m.username})` : ""}` : "nobody");
      skipped.push({ record, reason: `its sender ${sender} is not a user of the export` });
      continue;
    }
    let text = translateText(m.text, names);
    if (text.trim() === "")
      text = m.attachments
        .map((a) => a.fallback ?? "")
        .filter(Boolean)
        .join("\n");
    if (m.subtype === "me_message" && text.trim() !== "") text = `_${text}_`;
    const content = [text, ...fileLinks(m, record, notes)].filter((part) => part.trim() !== "").join("\n");
    if (content === "") {
      skipped.push({ record, reason: "empty: nothing to show (no text, file or attachment text)" });
      continue;
    }
    if (content.length > MAX_MESSAGE_LENGTH) {
      skipped.push({ record, reason: `longer than the ${MAX_MESSAGE_LENGTH} characters a message has here` });
      continue;
    }
    // The members it names, by Slack's ids, as a message sent here names them (never its sender).
    const mentions = [
      ...new Set([...m.text.matchAll(/<@(\w+)(?:\|[^>]*)?>/g)].flatMap(([, slackId]) => people.ids.get(slackId) ?? [])),
    ].filter((id) => id !== senderId && members.includes(id));
    // Who gave each emoji, in order of first use, as the room keeps reactions.
    const given = new Map<string, Set<number>>();
    for (const reaction of m.reactions) {
      const emoji = emojiOf(reaction.name);
      if (!emoji) {
        customEmoji.set(reaction.name, (customEmoji.get(reaction.name) ?? 0) + 1);
        continue;
      }
      if (!given.has(emoji) && given.size >= MAX_REACTIONS_PER_MESSAGE) continue;
      for (const slackId of reaction.users) {
        const userId = people.ids.get(slackId);
        if (userId === undefined) continue;
        given.set(emoji, (given.get(emoji) ?? new Set()).add(userId));
      }
    }
    const reactions = [...given].map(([emoji, users]) => ({ emoji, users: [...users] }));
    planned.push({
      ts: m.ts,
      threadTs,
      message: {
        senderId,
        content,
        createdAt,
        editedAt: m.edited ? isoOf(m.edited.ts) : null,
        ...(reactions.length > 0 && { reactions }),
        ...(mentions.length > 0 && { mentions }),
      },
    });
    if (!isReply) roots.add(m.ts);
  }
  for (const [subtype, n] of notices) {
    skipped.push({ record: label, reason: `${n} of Slack's ${subtype} notices: not messages anyone wrote` });
  }
  for (const [name, n] of customEmoji) {
    skipped.push({
      record: label,
      reason: `${n} reaction${n === 1 ? "" : "s"} with :${name}:, the workspace's own emoji, which has no character`,
    });
  }
  return planned;
}
