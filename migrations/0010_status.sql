ALTER TABLE `users` ADD `status_emoji` text;--> statement-breakpoint
ALTER TABLE `users` ADD `status_text` text;--> statement-breakpoint
ALTER TABLE `users` ADD `status_until` text;