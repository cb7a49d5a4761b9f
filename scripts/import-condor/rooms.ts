/**
 * The import's rooms, each whole with its members and messages: which are created, which
 * are here already, whether each is a DM or a group, who owns it, and which of its messages
 * can be imported.
 */
import { dmKey } from "../../core/db/dm-key.ts";
import { messageText } from "../../core/protocol.ts";
import { reactionEmoji } from "../../core/reactions.ts";
import {
  type Existing,
  type MessageBlock,
  type MessageFields,
  type NewMessage,
  type NewRoom,
  nameOf,
  type ParsedRecords,
  type Remarks,
} from "./records.ts";

/** The room whose recorded block holds an id, if any: blocks are by first id and never overlap. */
function blockRoom(blocks: MessageBlock[], id: number): number | undefined {
  let [low, high] = [0, blocks.length - 1];
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (blocks[middle].firstId <= id) low = middle + 1;
    else high = middle - 1;
  }
  const block = blocks[high];
  return block && id < block.endId ? block.roomId : undefined;
}

/** The rooms to create, given the usable users' names, and how many were imported before. */
export function planRooms(
  parsed: ParsedRecords,
  existing: Existing,
  usernames: Map<number, string>,
  { skipped, notes }: Remarks,
): { rooms: NewRoom[]; alreadyImported: number } {
  let alreadyImported = 0;
  const messagesById = new Map(parsed["chat.message"].map((message) => [message.id, message]));
  const messageRoom = new Map<number, number>();
  const blocks = [...existing.messageBlocks].sort((a, b) => a.firstId - b.firstId);
  const existingRooms = new Map(existing.rooms.map((room) => [room.id, room]));
  const titles = new Map(parsed["chat.room"].map(({ id, fields }) => [id, fields.title]));
  const unfinished = (room: Existing["rooms"][number] | undefined) =>
    room !== undefined && room.members === 0 && titles.get(room.id) === room.title;
  const takenDmKeys = new Set(
    existing.rooms.flatMap((room) => (room.dm_key && !unfinished(room) ? [room.dm_key] : [])),
  );
  const rooms: NewRoom[] = [];
  for (const { record, id, fields } of parsed["chat.room"]) {
    const name = nameOf(record);
    const here = existingRooms.get(id);
    const claimed = unfinished(here);
    if (claimed) notes.push({ record: name, reason: "an earlier import stopped before finishing it; finished now" });
    else if (here) {
      for (const messageId of fields.messages) if (!messageRoom.has(messageId)) messageRoom.set(messageId, id);
      if (here.title === fields.title) alreadyImported++;
      else
        skipped.push({
          record: name,
          reason: `id ${id} belongs to another room here ('${here.title}'); its ${fields.messages.length} messages are not imported`,
        });
      continue;
    }
    const participants = [...new Set(fields.participants)].filter((userId) => {
      if (usernames.has(userId)) return true;
      notes.push({ record: name, reason: `participant ${userId} is left out: that user is not imported` });
      return false;
    });
    if (participants.length === 0) {
      skipped.push({
        record: name,
        reason: `no participant of it is imported, so nobody could read it; its ${fields.messages.length} messages are not imported`,
      });
      for (const messageId of fields.messages) if (!messageRoom.has(messageId)) messageRoom.set(messageId, id);
      continue;
    }

    const messages: NewMessage[] = [];
    for (const messageId of [...new Set(fields.messages)].sort((a, b) => a - b)) {
      const label = `chat.message ${messageId}`;
      const message = messagesById.get(messageId);
      const firstRoom = messageRoom.get(messageId);
      if (firstRoom !== undefined) {
        notes.push({
          record: label,
          reason: `is in room ${firstRoom} and room ${id}; a message lives in one room here, so it stays in room ${firstRoom}`,
        });
        continue;
      }
      messageRoom.set(messageId, id);
      if (!message) {
        notes.push({ record: name, reason: `message ${messageId} is not in the export (or unreadable)` });
        continue;
      }
      const text = messageText.safeParse(message.fields.content);
      if (!usernames.has(message.fields.sender)) {
        skipped.push({ record: label, reason: `its sender ${message.fields.sender} is not imported` });
      } else if (!text.success) {
        const why =
          message.fields.content.trim() === ""
            ? "empty: the API refuses empty messages and there is nothing to show"
            : `its content ${text.error.issues[0].message}`;
        skipped.push({ record: label, reason: why });
      } else if (messageId < existing.messageIdsHandedOut && blockRoom(blocks, messageId) !== id) {
        skipped.push({
          record: label,
          reason: `id ${messageId} may belong to a message here (ids up to ${existing.messageIdsHandedOut - 1} have been handed to rooms)`,
        });
      } else {
        messages.push({
          id: messageId,
          senderId: message.fields.sender,
          content: message.fields.content,
          createdAt: message.fields.timestamp,
          editedAt: message.fields.edited_at,
          ...namedBy(message.fields),
        });
      }
    }
    keepWhatIsHere(messages, new Set(participants));

    // A non-group room of two is the pair's DM, unless the pair has one already.
    const declaredGroup = fields.is_goup ?? fields.is_group ?? false;
    const pairKey = !declaredGroup && participants.length === 2 ? dmKey(participants[0], participants[1]) : null;
    const isDm = pairKey !== null && !takenDmKeys.has(pairKey);
    if (pairKey && !isDm) {
      notes.push({
        record: name,
        reason: `a second DM of users ${pairKey.replace(":", " and ")}; imported as a group so its messages are kept`,
      });
    } else if (!declaredGroup && !pairKey) {
      notes.push({
        record: name,
        reason: `not a group, but of ${participants.length} people, not two; imported as a group`,
      });
    }
    if (isDm) takenDmKeys.add(pairKey);
    const firstSender = messages[0]?.senderId;
    const owner =
      fields.owner !== undefined && participants.includes(fields.owner)
        ? fields.owner
        : firstSender !== undefined && participants.includes(firstSender)
          ? firstSender
          : participants[0];
    // A DM made here is titled "<sender> - <receiver>" by its first sender, as the original did.
    const dmStarter = participants.find((userId) => fields.title.startsWith(`${usernames.get(userId)} - `)) ?? owner;
    rooms.push({
      id,
      title: fields.title,
      isGroup: !isDm,
      dmKey: isDm ? pairKey : null,
      createdBy: isDm ? dmStarter : owner,
      createdAt: fields.timestamp,
      members: participants.map((userId) => ({ userId, role: !isDm && userId === owner ? "owner" : "member" })),
      messages,
      claimed,
    });
  }
  for (const { record, id } of parsed["chat.message"]) {
    if (!messageRoom.has(id)) skipped.push({ record: nameOf(record), reason: "it is in no room" });
  }
  return { rooms, alreadyImported };
}

/** What a message of an export made here names: its mentions, quote, thread and reactions. */
function namedBy(fields: MessageFields): Omit<NewMessage, "id" | "senderId" | "content" | "createdAt" | "editedAt"> {
  const reactions = fields.reactions.filter(({ emoji }) => reactionEmoji(emoji) === emoji);
  return {
    ...(fields.mentions.length > 0 && { mentions: fields.mentions }),
    ...(fields.reply_to !== undefined && { replyTo: fields.reply_to }),
    ...(fields.thread !== undefined && { threadRoot: fields.thread }),
    ...(reactions.length > 0 && { reactions }),
  };
}

/**
 * Keeps of what a room's messages name only what is imported with it: mentions and reactions
 * of its imported members, quotes of and threads under its imported messages. A reply whose
 * root is not imported joins the room's main timeline.
 */
function keepWhatIsHere(messages: NewMessage[], members: Set<number>) {
  const ids = new Set(messages.map((message) => message.id));
  const roots = new Set(messages.filter((message) => message.threadRoot === undefined).map((message) => message.id));
  for (const message of messages) {
    const mentions = message.mentions?.filter((user) => members.has(user) && user !== message.senderId);
    message.mentions = mentions?.length ? mentions : undefined;
    if (message.replyTo !== undefined && !ids.has(message.replyTo)) message.replyTo = undefined;
    if (message.threadRoot !== undefined && !roots.has(message.threadRoot)) message.threadRoot = undefined;
    const reactions = message.reactions
      ?.map(({ emoji, users }) => ({ emoji, users: [...new Set(users)].filter((user) => members.has(user)) }))
      .filter(({ users }) => users.length > 0);
    message.reactions = reactions?.length ? reactions : undefined;
  }
}
