/**
 * Reading the room's messages wherever they are now: D1 has all but the latest few, which
 * only the store has until the copy (d1-copy.ts) reaches D1. An acknowledged message is in
 * history at once, also while D1 is failing.
 */
import { database } from "../../core/db";
import { findMessage, type HistoryQuery, historyRows, pageOf } from "../../core/db/messages";
import type { MessageRow } from "../../core/db/schema";
import type { RoomContext } from "./context";
import type { D1Copy } from "./d1-copy";
import type { MessageStore } from "./store";

export type HistoryPage = { rows: MessageRow[]; hasMore: boolean };

export class History {
  constructor(
    private readonly room: RoomContext,
    private readonly store: MessageStore,
    private readonly copy: D1Copy,
  ) {}

  /**
   * A page of history: D1's rows and the ones only the store has yet. The store is read
   * first: a message that leaves it during D1's read was in D1 before it left.
   */
  async page(page: HistoryQuery): Promise<HistoryPage> {
    const uncopied = this.copy.pending === 0 ? [] : this.store.uncopiedPage(page);
    const copied = await historyRows(database(this.room.env), this.room.roomId, page);
    // D1's row first: it has a later edit, if there has been one since.
    return pageOf([...copied, ...uncopied], page);
  }

  /** The message a sender stored under a client id: from the store, or from D1 once it has it. */
  async byClientId(senderId: number, clientId: string | null): Promise<MessageRow> {
    const { id, row } = this.store.byClientId(senderId, clientId);
    if (row) return row;
    const copied = await findMessage(database(this.room.env), id);
    if (!copied) throw new Error(`message ${id} is missing from D1`);
    return copied;
  }
}
