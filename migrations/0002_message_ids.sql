-- Message ids are handed out in blocks to the rooms' objects, which number their messages
-- themselves and copy them here just after (see durable/room.ts). This one row is the next
-- id no block has yet; every writer of messages takes its ids from it (reserveMessageIds in
-- worker/db/messages.ts), so no two messages can ever be given the same id.
CREATE TABLE message_ids (
  only INTEGER PRIMARY KEY CHECK (only = 1),
  next INTEGER NOT NULL
);
