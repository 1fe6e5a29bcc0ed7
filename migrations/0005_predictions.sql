CREATE TABLE "prediction_feedback" (
	"prediction_id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"label" text NOT NULL,
	"comment" text,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "predictions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"model_version_id" uuid,
	"served_by" text,
	"input_hash" text NOT NULL,
	"input_text" text,
	"label" text,
	"confidence" real,
	"probabilities" jsonb,
	"latency_ms" real NOT NULL,
	"fallback_reason" text,
	"error_code" text,
	"error" text,
	"api_key_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "rate_limit_per_minute" integer;--> statement-breakpoint
ALTER TABLE "task_routing" ADD COLUMN "timeout_ms" integer DEFAULT 2000 NOT NULL;--> statement-breakpoint
ALTER TABLE "task_routing" ADD COLUMN "log_inputs" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "prediction_feedback" ADD CONSTRAINT "prediction_feedback_prediction_id_predictions_id_fk" FOREIGN KEY ("prediction_id") REFERENCES "public"."predictions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prediction_feedback" ADD CONSTRAINT "prediction_feedback_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "prediction_feedback_task_idx" ON "prediction_feedback" USING btree ("task_id","updated_at");--> statement-breakpoint
CREATE INDEX "predictions_task_time_idx" ON "predictions" USING btree ("task_id","created_at");