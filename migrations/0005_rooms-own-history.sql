-- Each room's object keeps its messages and read positions now, and D1 no longer does. They
-- move into the rooms first, with `npm run manage -- move-history` (which `npm start` runs by
-- itself, and which applies this migration when it is done): while D1 still holds a message
-- or a read position that was not moved, the check below fails, and nothing of this
-- migration runs. The constraint's name is what scripts/wrangler-d1.ts looks for.
CREATE TABLE IF NOT EXISTS `history_move_check` (
  `unmoved` integer CONSTRAINT `D1 still holds messages: run move-history first (see README.md)` CHECK (`unmoved` = 0)
);--> statement-breakpoint
INSERT INTO `history_move_check`
  SELECT (SELECT count(*) FROM `messages`) + (SELECT count(*) FROM `room_members` WHERE `last_read_id` > 0);--> statement-breakpoint
DROP TABLE `history_move_check`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `room_members` DROP COLUMN `last_read_id`;--> statement-breakpoint
ALTER TABLE `rooms` DROP COLUMN `last_message_id`;--> statement-breakpoint
ALTER TABLE `rooms` DROP COLUMN `last_message_at`;