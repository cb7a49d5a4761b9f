/**
 * One Durable Object per room: the single writer of its room's messages and the holder of
 * its WebSockets, and the only store of its history. It owns the sockets, reads their frames
 * and runs the alarm; its parts in this folder do the rest, one job each (store, sequencer,
 * catch-up, send allowance, typing, read marks, inbox news, changes, timeline notes).
 *
 * A message is acknowledged and broadcast in the turn the store writes it, and the output
 * gate holds both until the write is durable: a send costs D1 nothing (but a block of ids
 * now and then).
 */
import { DurableObject } from "cloudflare:workers";
import { attachmentKey } from "../../core/attachments";
import { errorBody } from "../../core/errors";
import type { HistoryQuery, MessageRow } from "../../core/history";
import { HEARTBEAT_EVERY_MS, presenceStore } from "../../core/presence";
import {
  type ClientFrame,
  PING,
  PONG,
  parseClientFrame,
  type RoomNote,
  SUBPROTOCOL,
  type WireMessage,
} from "../../core/protocol";
import type { RoomMatch, RoomSearch } from "../../core/search/results";
import { allowanceFrom, SendAllowance } from "./allowance";
import { CatchUp } from "./catch-up";
import { type ChangeInput, type ChangeResult, MessageChanges, type RemoveInput } from "./changes";
import { type RoomContext, roomContext } from "./context";
import { InboxNews } from "./inbox-news";
import { LinkPreviews, previewImages } from "./link-previews";
import { Mentions } from "./mentions";
import { pageRange, TimelineNotes } from "./notes";
import { MessageReactions, type ReactionInput, type ReactionResult } from "./reactions";
import { ReadMarks } from "./read-marks";
import { MessageSearch } from "./search";
import { type PostInput, type Received, Sequencer } from "./sequencer";
import { RoomSockets } from "./sockets";
import { type HistoryPage, MessageStore } from "./store";
import type { ReplyCheck } from "./threads";
import {
  type ExportPage,
  type ExportQuery,
  exportMessages,
  type ImportBatch,
  type ImportResult,
  importMessages,
} from "./transfer";
import { Typing } from "./typing";
import { removeRoomFiles, type Upload, Uploads } from "./uploads";

export type { ChangeResult } from "./changes";
export { roomObject } from "./context";
export { MAX_NOTES_PER_PAGE } from "./notes";
export type { ReactionResult } from "./reactions";
export type { PostInput } from "./sequencer";
export type { ExportPage, ImportBatch, ImportResult } from "./transfer";
export type { Upload } from "./uploads";

/** Most sockets one user may hold open in one room (tabs and devices). */
export const MAX_SOCKETS_PER_USER = 8;
/** The header the worker sets on an upgrade it has authenticated; never taken from a client. */
export const TRUSTED_USER_HEADER = "x-condor-user";

export type PostResult =
  | ({ ok: true; latest?: MessageRow[] } & Received)
  | { ok: false; error: "throttled"; retryAfterSeconds: number }
  | { ok: false; error: "invalid"; fields: Record<string, string> };
export type MemberSummary = { id: number; username: string; full_name: string; avatar_url: string };
/** A page of history, with the timeline notes within it when asked for them. */
export type TimelinePage = HistoryPage & { notes?: RoomNote[] };

export class Room extends DurableObject<Env> {
  readonly #room: RoomContext = roomContext(this.ctx, () => this.env);
  readonly #sockets = new RoomSockets(this.ctx);
  readonly #store = new MessageStore(this.ctx.storage, this.#room);
  readonly #allowance = new SendAllowance(allowanceFrom(this.env));
  readonly #search = new MessageSearch(this.ctx.storage);
  readonly #uploads = new Uploads(this.ctx.storage, this.#room);
  readonly #notes = new TimelineNotes(this.ctx.storage.sql, () => this.#store.latestId());
  readonly #sequencer: Sequencer;
  readonly #typing: Typing;
  readonly #reads: ReadMarks;
  readonly #news: InboxNews;
  readonly #changes: MessageChanges;
  readonly #previews: LinkPreviews;
  readonly #mentions = new Mentions(this.#room, () => this.#sockets.usersHere());
  readonly #reactions = new MessageReactions(
    this.ctx.storage,
    this.#store,
    this.#sockets.broadcast.bind(this.#sockets),
  );
  readonly #catchUp: CatchUp;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    const [room, sockets] = [this.#room, this.#sockets];
    const [store, broadcast] = [this.#store, sockets.broadcast.bind(sockets)];
    const alarmBy = (at: number) => this.#ensureAlarm(at);
    store.open();
    const broadcastMessages = (messages: WireMessage[]) => {
      sockets.broadcastMessages(messages);
      this.#threadsChanged(messages);
      this.#search.indexSoon();
    };
    this.#sequencer = new Sequencer(room, store, broadcastMessages, this.#uploads);
    this.#sequencer.open();
    this.#typing = new Typing(ctx.storage, (user, typing) => broadcast({ type: "typing", user, typing }), alarmBy);
    this.#news = new InboxNews(
      room,
      store,
      ctx.storage,
      (work) => ctx.waitUntil(work),
      alarmBy,
      () => sockets.usersHere(),
    );
    this.#news.open();
    this.#reads = new ReadMarks(store, this.#news, broadcast);
    const withReactions = (rows: MessageRow[]) => this.#reactions.attach(rows);
    const shown = (row: MessageRow) => withReactions([row])[0];
    const changed = (message: WireMessage, recount: boolean) => this.#news.changed(message, recount);
    this.#changes = new MessageChanges(room, store, broadcast, changed, shown);
    const previewed = (message: WireMessage) => {
      broadcast({ type: "message_edited", message });
      changed(message, false);
    };
    this.#previews = new LinkPreviews(room, store, (work) => ctx.waitUntil(work), previewed, shown);
    this.#catchUp = new CatchUp(room, sockets, store, this.#reads, withReactions, this.#notes);
  }

  /** An authenticated member's upgrade, handed over by the worker. */
  async fetch(request: Request): Promise<Response> {
    const userId = Number(request.headers.get(TRUSTED_USER_HEADER));
    const query = new URL(request.url).searchParams;
    const [after, changes] = ["after", "changes"].map((name) => {
      const text = query.get(name);
      return text === null ? undefined : Number(text);
    });
    if (this.#sockets.all(userId).length >= MAX_SOCKETS_PER_USER) {
      const body = errorBody(`At most ${MAX_SOCKETS_PER_USER} open sockets per room.`, "throttled");
      return Response.json(body, { status: 429 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    // From now on broadcasts are held for this socket until its catch-up has been sent.
    this.#sockets.accept(server, userId);
    this.#catchUp.welcome(server, userId, after, changes);
    this.#sockets.broadcast({ type: "here", users: this.#sockets.usersHere() }, server);
    await presenceStore(this.env).heartbeat(userId);
    await this.#ensureAlarm();
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL } });
  }

  async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) return this.#sockets.refuse(ws, parsed.code, parsed.message, parsed.client_id);
    const { frame } = parsed;
    try {
      await this.#dispatch(ws, frame);
    } catch (err) {
      // Storage failed; nothing was broadcast, and the client may retry with the same client id.
      console.error("room frame failed", err);
      const client_id = frame.type === "send" ? frame.client_id : undefined;
      this.#sockets.refuse(ws, "unavailable", "That did not go through; try again.", client_id);
    }
  }

  async #dispatch(ws: WebSocket, frame: ClientFrame) {
    const { userId } = this.#sockets.who(ws);
    switch (frame.type) {
      case "send": {
        const { client_id, content, attachments, reply_to: replyTo, thread } = frame;
        const input = { senderId: userId, content, clientId: client_id, attachments, replyTo, thread };
        const result = await this.receive(input);
        if (result.ok) return this.#sockets.send(ws, { type: "ack", client_id, message: result.message });
        if (result.error === "invalid") {
          const why = Object.entries(result.fields).map(([field, text]) => `${field}: ${text}`);
          return this.#sockets.refuse(ws, "invalid", why.join("; "), client_id);
        }
        const slowDown = `Slow down: try again in ${result.retryAfterSeconds} s.`;
        return this.#sockets.refuse(ws, "throttled", slowDown, client_id);
      }
      case "edit":
      case "delete": {
        const change = { userId, messageId: frame.id };
        const result =
          frame.type === "edit" ? await this.edit({ ...change, content: frame.content }) : await this.remove(change);
        if (!result.ok) this.#sockets.refuse(ws, result.error, result.why);
        return;
      }
      case "typing":
        return this.#typing.set(userId, true);
      case "read":
        return this.#reads.mark(userId, frame.up_to);
      case "resume":
        return this.#catchUp.send(ws, frame.after, frame.changes);
    }
  }

  async webSocketClose(ws: WebSocket, code: number) {
    this.#sockets.leave(ws, code);
  }

  async webSocketError(ws: WebSocket) {
    this.#sockets.leave(ws);
  }

  /**
   * Receives a message: commits and broadcasts it. A retry with the same client id answers
   * the message committed the first time, and broadcasts nothing. With `told`, answers once
   * the participants' inboxes have it too, so the sender's next room list shows it; with
   * `latest`, carries that many of the room's latest messages, as history would answer.
   */
  async receive(input: PostInput, options: { told?: boolean; latest?: number } = {}): Promise<PostResult> {
    const reply: ReplyCheck =
      input.replyTo === undefined && input.thread === undefined ? { ok: true } : this.#store.threads.check(input);
    if (!reply.ok) return reply;
    const allowed = this.#allowance.spend(input.senderId, Date.now());
    if (!allowed.ok) return { ok: false, error: "throttled", retryAfterSeconds: allowed.retryAfterSeconds };
    const mentions = await this.#mentions.in(input.content, input.senderId);
    const checked = reply.quote ? { ...input, quote: reply.quote } : input;
    const received = await this.#sequencer.receive({ ...checked, mentions });
    if ("refused" in received) return { ok: false, error: "invalid", fields: { attachments: received.why } };
    if (!received.isRetry) {
      this.#previews.look(received.message);
      const told = this.#news.tell(received.message, options.told);
      // Every send stops its sender's typing.
      await this.#typing.set(input.senderId, false);
      if (options.told) await told;
    }
    if (options.latest === undefined) return { ok: true, ...received };
    return { ok: true, ...received, latest: (await this.history({ limit: options.latest })).rows };
  }

  /** Edits a message of the caller's; everyone in the room sees the new text at once. */
  async edit(input: ChangeInput & { content: string }): Promise<ChangeResult> {
    const mentions = await this.#mentions.in(input.content, input.userId);
    const pictures = previewImages(this.#store.find(input.messageId));
    const result = this.#changes.edit({ ...input, mentions });
    if (result.ok) {
      // A changed text's previews are read again, with new pictures.
      this.#previews.look(result.message);
      await this.#previews.remove(pictures);
    }
    return result;
  }

  /** Deletes a message of the caller's, or anyone's for a superuser: its text and files are gone, its place in history stays. */
  async remove(input: RemoveInput): Promise<ChangeResult> {
    const row = this.#store.find(input.messageId);
    const files = [...(row?.attachments ?? []).map((file) => file.id), ...previewImages(row)];
    const result = this.#changes.remove(input);
    if (result.ok) this.#threadsChanged([result.message]);
    if (result.ok && files.length > 0) await this.#removeFiles(files);
    return result;
  }

  /** A file the worker has put in R2, waiting to be sent; the alarm removes it if it never is. */
  async uploaded(upload: Upload): Promise<{ ok: true } | { ok: false; why: string }> {
    const kept = this.#uploads.keep(upload);
    if (kept.ok) await this.#ensureAlarm(this.#uploads.nextExpiry());
    return kept;
  }

  async #removeFiles(ids: string[]) {
    const keys = ids.map((id) => attachmentKey(this.#room.roomId, id));
    await this.env.AVATARS.delete(keys).catch((err) => console.warn("files of a deleted message not removed", err));
  }

  /** Adds or takes back a member's reaction to a message; everyone in the room sees it at once. */
  async react(input: ReactionInput): Promise<ReactionResult> {
    return this.#reactions.react(input);
  }

  /**
   * A page of the room's main timeline (thread replies left out), with its reactions, for
   * the worker's REST routes; with `notes`, the timeline notes within it too (see notes.ts).
   */
  async history(page: HistoryQuery, options: { notes?: boolean } = {}): Promise<TimelinePage> {
    const { rows, hasMore } = this.#store.page({ ...page, thread: undefined });
    const shown = { rows: this.#reactions.attach(rows), hasMore };
    if (!options.notes) return shown;
    const range = pageRange(
      page,
      rows.map((row) => row.id),
      hasMore,
    );
    return { ...shown, notes: this.#notes.within(range) };
  }

  /** A page of one thread's replies, the root left out; undefined when the root is not one of this room's. */
  async threadHistory(page: HistoryQuery & { thread: number }): Promise<HistoryPage | undefined> {
    if (!this.#store.threads.isRoot(page.thread)) return undefined;
    const { rows, hasMore } = this.#store.page(page);
    return { rows: this.#reactions.attach(rows), hasMore };
  }

  /** The root of the thread a message of this room replies in, if it is a thread reply. */
  async threadRootOf(id: number): Promise<number | undefined> {
    return this.#store.threads.rootOf(id);
  }

  /** Tells the room's sockets of the threads that these messages (replies, or deleted ones) changed. */
  #threadsChanged(messages: readonly WireMessage[]) {
    if (!messages.some((message) => message.thread_root !== undefined)) return;
    for (const frame of this.#store.threads.updates(messages)) this.#sockets.broadcast(frame);
  }

  /** A participant's unread count and the room's latest message, for their inbox. */
  async summaryFor(userId: number) {
    return this.#news.summaryFor(userId);
  }

  /** The room's messages that match a search, newest first, for the worker's search route. */
  async search(search: RoomSearch): Promise<RoomMatch[]> {
    return this.#search.find(search);
  }

  /** Messages and read positions from elsewhere (the move of D1's history, an import), kept by id: see transfer.ts. */
  async importMessages(batch: ImportBatch): Promise<ImportResult> {
    const result = importMessages(this.ctx.storage, batch);
    // Numbering goes on past the ids that came in; they are history, not news, but they
    // change every participant's unread count.
    this.#sequencer.open();
    this.#search.indexSoon();
    this.#news.imported(Math.max(0, ...batch.messages.map((message) => message.id)));
    return result;
  }

  /** A page of the room's messages as the store holds them, for an export. */
  async exportMessages(page: ExportQuery): Promise<ExportPage> {
    return exportMessages(this.ctx.storage.sql, page);
  }

  /**
   * Who joined or left, from the worker's member routes, at the hands of `by` (who added or
   * removed them, or they themselves): each is kept as a timeline note, and the ones who
   * left lose their sockets.
   */
  async membersChanged(change: { joined: MemberSummary[]; left: number[]; by: number }) {
    const { by } = change;
    this.#news.forgetRoom();
    this.#mentions.forget();
    for (const user of change.joined) {
      const note = this.#notes.record(
        user.id === by ? { kind: "joined", user: user.id } : { kind: "joined", user: user.id, by },
      );
      this.#sockets.broadcast({ type: "member_joined", user, note });
    }
    for (const userId of change.left) {
      // One who joins again starts with nothing read, as a new participant does.
      this.#store.forgetReads(userId);
      for (const ws of this.#sockets.all(userId)) ws.close(4003, "removed from the room");
      if (userId === by) {
        this.#sockets.broadcast({
          type: "member_left",
          user: userId,
          note: this.#notes.record({ kind: "left", user: userId }),
        });
      } else {
        const note = this.#notes.record({ kind: "removed", user: userId, by });
        this.#sockets.broadcast({ type: "member_left", user: userId, by, note });
      }
    }
  }

  /** The room's title changed: its sockets hear it (kept as a timeline note), its participants' inboxes hear the new one, and the next news reads it. */
  async renamed(change: { title: string; by: number }) {
    this.#sockets.broadcast({ type: "renamed", ...change, note: this.#notes.record({ kind: "renamed", ...change }) });
    await this.#news.renamed();
  }

  /** A member changed their username: mentions read the new one from the next message on. */
  async membersRenamed() {
    this.#mentions.forget();
  }

  /** A deactivated user's sockets close at once: their token no longer opens one either. */
  async signOut(userId: number) {
    for (const ws of this.#sockets.all(userId)) ws.close(4001, "signed out");
  }

  /** The room is gone: every socket closes, and its store starts again empty. */
  async roomDeleted() {
    for (const ws of this.#sockets.all()) ws.close(4004, "room deleted");
    this.#news.forgetRoom();
    this.#typing.forget();
    const removal = removeRoomFiles(this.env.AVATARS, this.#room.roomId);
    this.ctx.waitUntil(removal.catch((err) => console.warn("files of a deleted room not all removed", err)));
    await this.ctx.storage.deleteAll();
    this.#store.open();
    this.#sequencer.open();
  }

  /** Schedules the alarm no later than `at`, or a heartbeat from now. */
  async #ensureAlarm(at = Date.now() + HEARTBEAT_EVERY_MS) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Sends owed inbox counts, removes unsent uploads, lapses typing, drops silent sockets, and renews presence. */
  async alarm() {
    await this.#news.sendOwed();
    const nextSweep = await this.#uploads.sweep(Date.now());
    const at = Date.now();
    await this.#typing.lapse(at);
    const here = this.#sockets.closeSilent(at);
    const presence = presenceStore(this.env);
    await Promise.all(here.map((userId) => presence.heartbeat(userId)));
    const nextLapse = await this.#typing.nextLapse();
    if (here.length > 0) await this.#ensureAlarm();
    if (nextLapse !== undefined) await this.#ensureAlarm(nextLapse);
    if (nextSweep !== undefined) await this.#ensureAlarm(nextSweep);
  }
}
