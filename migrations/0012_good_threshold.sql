ALTER TABLE "tasks" ADD COLUMN "good_threshold" text;--> statement-breakpoint
ALTER TABLE "evaluations" ADD COLUMN "good_threshold" text;