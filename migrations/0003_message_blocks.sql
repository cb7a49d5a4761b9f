CREATE TABLE `message_blocks` (
	`first_id` integer PRIMARY KEY NOT NULL,
	`end_id` integer NOT NULL,
	`room_id` integer NOT NULL
);
