ALTER TABLE "task_routing" ADD COLUMN "max_failure_rate" double precision DEFAULT 0.05 NOT NULL;--> statement-breakpoint
ALTER TABLE "task_routing" ADD COLUMN "max_p_value" double precision;--> statement-breakpoint
ALTER TABLE "pipelines" ADD COLUMN "outcome" jsonb;