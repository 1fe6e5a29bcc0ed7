ALTER TABLE "task_routing" ADD COLUMN "on_shutdown" jsonb;--> statement-breakpoint
ALTER TABLE "pipelines" ADD COLUMN "origin" jsonb;--> statement-breakpoint
ALTER TABLE "pipelines" ADD COLUMN "origin_key" text;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_origin_key_unique" UNIQUE("origin_key");