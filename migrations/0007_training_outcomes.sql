ALTER TABLE "fine_tunes" ADD COLUMN "files_uploaded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "fine_tunes" ADD COLUMN "auto_evaluation" jsonb;--> statement-breakpoint
ALTER TABLE "fine_tunes" ADD COLUMN "events_cursor" text;