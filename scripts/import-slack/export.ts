/**
 * A Slack export as the import reads it: the zip of Slack's standard workspace export
 * (users.json, channels.json, groups.json for private channels, dms.json, mpims.json for
 * group DMs, and a folder per conversation with a JSON file per day). Only what the import
 * uses is checked; everything else Slack writes is let through and ignored. A missing list
 * is an empty one (an export of public channels only has no groups.json, dms.json or
 * mpims.json); an unreadable one stops the import before anything is written.
 */
import { unzipSync } from "fflate";
import { z } from "zod";

const SlackId = z.string().min(1);
/** Slack's message times: seconds since 1970 with six decimals, unique in a conversation. */
export const SlackTs = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, "is not a Slack timestamp");

const User = z.object({
  id: SlackId,
  name: z.string().default(""),
  deleted: z.boolean().default(false),
  is_bot: z.boolean().default(false),
  real_name: z.string().optional(),
  profile: z
    .object({
      email: z.string().optional(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      real_name: z.string().optional(),
      display_name: z.string().optional(),
      bot_id: z.string().optional(),
    })
    .loose()
    .default({}),
});
const Conversation = z.object({
  id: SlackId,
  name: z.string().optional(),
  created: z.number().nonnegative().default(0),
  creator: z.string().optional(),
  is_archived: z.boolean().default(false),
  members: z.array(z.string()).default([]),
});
const File = z
  .object({
    name: z.string().optional(),
    title: z.string().optional(),
    url_private: z.string().optional(),
    permalink: z.string().optional(),
    mode: z.string().optional(),
  })
  .loose();
const Message = z
  .object({
    type: z.string().optional(),
    subtype: z.string().optional(),
    ts: SlackTs,
    user: z.string().optional(),
    bot_id: z.string().optional(),
    username: z.string().optional(),
    text: z.string().default(""),
    thread_ts: SlackTs.optional(),
    edited: z.object({ ts: SlackTs }).loose().optional(),
    reactions: z.array(z.object({ name: z.string(), users: z.array(z.string()).default([]) }).loose()).default([]),
    files: z.array(File).default([]),
    attachments: z.array(z.object({ fallback: z.string().optional() }).loose()).default([]),
  })
  .loose();

export type SlackUser = z.output<typeof User>;
export type SlackConversation = z.output<typeof Conversation>;
export type SlackMessage = z.output<typeof Message>;
export type SlackFile = z.output<typeof File>;

/** The kinds of conversation, by the list that names them. */
export const LISTS = { channels: "channel", groups: "private channel", mpims: "group DM", dms: "DM" } as const;
export type ListName = keyof typeof LISTS;

export type SlackExport = {
  users: SlackUser[];
  conversations: Record<ListName, SlackConversation[]>;
  /** A conversation's messages by its folder, in the order of its files; unreadable ones are in `unreadable`. */
  folders: Map<string, SlackMessage[]>;
  /** What of the export could not be read, by its path: left out, and told. */
  unreadable: { path: string; reason: string }[];
};

function problemOf(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function json(path: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch (error) {
    throw new Error(`${path} is not JSON in UTF-8 (${(error as Error).message}).`);
  }
}

/**
 * Reads the export from the zip's bytes. Only the JSON files are unpacked (an export may
 * carry others); its lists may lie in the zip's root or in one folder, as when a person
 * unzips it and zips it again.
 */
export function readSlackExport(zip: Uint8Array, progress?: (files: number) => void): SlackExport {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, { filter: (file) => file.name.endsWith(".json") && !file.name.startsWith("__MACOSX/") });
  } catch (error) {
    throw new Error(`The export is not a zip file (${(error as Error).message}).`);
  }
  const usersPath = Object.keys(entries)
    .filter((name) => name === "users.json" || name.endsWith("/users.json"))
    .sort((a, b) => a.length - b.length)[0];
  if (usersPath === undefined) throw new Error("The zip has no users.json: it is not a Slack export.");
  const root = usersPath.slice(0, -"users.json".length);
  const list = <T extends z.ZodType>(name: string, schema: T): z.output<T>[] => {
    const path = `${root}${name}`;
    const bytes = entries[path];
    if (bytes === undefined) return [];
    const parsed = z.array(schema).safeParse(json(path, bytes));
    if (!parsed.success) throw new Error(`${path} is not Slack's list (${problemOf(parsed.error)}).`);
    return parsed.data;
  };
  const users = list("users.json", User);
  const conversations = {
    channels: list("channels.json", Conversation),
    groups: list("groups.json", Conversation),
    mpims: list("mpims.json", Conversation),
    dms: list("dms.json", Conversation),
  };
  const folders = new Map<string, SlackMessage[]>();
  const unreadable: SlackExport["unreadable"] = [];
  const days = Object.keys(entries)
    .filter((name) => name.startsWith(root) && /^[^/]+\/\d{4}-\d\d-\d\d\.json$/.test(name.slice(root.length)))
    .sort();
  for (const [index, path] of days.entries()) {
    const folder = path.slice(root.length, path.lastIndexOf("/"));
    const messages = folders.get(folder) ?? [];
    folders.set(folder, messages);
    let day: unknown;
    try {
      day = json(path, entries[path]);
    } catch (error) {
      unreadable.push({ path, reason: (error as Error).message });
      continue;
    }
    if (!Array.isArray(day)) {
      unreadable.push({ path, reason: "not a list of messages" });
      continue;
    }
    for (const [at, raw] of day.entries()) {
      const message = Message.safeParse(raw);
      if (message.success) messages.push(message.data);
      else unreadable.push({ path: `${path} [${at}]`, reason: problemOf(message.error) });
    }
    if ((index + 1) % 500 === 0) progress?.(index + 1);
  }
  return { users, conversations, folders, unreadable };
}
