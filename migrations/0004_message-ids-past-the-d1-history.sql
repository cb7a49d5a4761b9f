-- Ids are now handed out past the blocks and this mark only, no longer past D1's messages
-- (which the move of D1's history into the rooms takes away): ids that were put in straight,
-- by an import, without a block, must never be handed out again.
INSERT INTO message_ids (only, next) SELECT 1, coalesce(max(id), 0) + 1 FROM messages WHERE true
  ON CONFLICT (only) DO UPDATE SET next = max(next, excluded.next);
