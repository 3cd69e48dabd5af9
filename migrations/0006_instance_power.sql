ALTER TABLE "instances" ADD COLUMN "power" varchar(32) DEFAULT 'on' NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "power_state" varchar(32);--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "task_state" varchar(64);--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "reboot_requests" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "reboot_type" varchar(32);--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "reboots_done" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "last_reboot" timestamp with time zone;