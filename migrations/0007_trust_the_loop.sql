ALTER TABLE "fine_tunes" ADD COLUMN "files_uploaded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "fine_tunes" ADD COLUMN "auto_evaluation" jsonb;--> statement-breakpoint
ALTER TABLE "fine_tunes" ADD COLUMN "events_cursor" text;--> statement-breakpoint
ALTER TABLE "task_routing" ADD COLUMN "max_failure_rate" double precision DEFAULT 0.05 NOT NULL;--> statement-breakpoint
ALTER TABLE "task_routing" ADD COLUMN "max_p_value" double precision;--> statement-breakpoint
ALTER TABLE "pipelines" ADD COLUMN "outcome" jsonb;