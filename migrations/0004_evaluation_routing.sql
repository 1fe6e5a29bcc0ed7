CREATE TABLE "evaluation_items" (
	"evaluation_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"example_id" text NOT NULL,
	"true_label" text NOT NULL,
	CONSTRAINT "evaluation_items_pk" PRIMARY KEY("evaluation_id","seq")
);
--> statement-breakpoint
CREATE TABLE "evaluation_predictions" (
	"evaluation_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"predicted" text,
	"confidence" real,
	"probabilities" jsonb,
	"latency_ms" integer,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "evaluation_predictions_pk" PRIMARY KEY("evaluation_id","seq")
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"model_version_id" uuid NOT NULL,
	"dataset_version_id" uuid NOT NULL,
	"split" text NOT NULL,
	"status" text NOT NULL,
	"total" integer NOT NULL,
	"metrics" jsonb,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "routing_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"action" text NOT NULL,
	"from_model_id" uuid,
	"to_model_id" uuid,
	"reason" text NOT NULL,
	"numbers" jsonb,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_routing" (
	"task_id" uuid PRIMARY KEY NOT NULL,
	"champion_id" uuid,
	"fallback_id" uuid,
	"metric" text DEFAULT 'macro_f1' NOT NULL,
	"min_improvement" double precision DEFAULT 0.01 NOT NULL,
	"min_test_size" integer DEFAULT 30 NOT NULL,
	"auto_promote" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "evaluation_items" ADD CONSTRAINT "evaluation_items_evaluation_id_evaluations_id_fk" FOREIGN KEY ("evaluation_id") REFERENCES "public"."evaluations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_predictions" ADD CONSTRAINT "evaluation_predictions_evaluation_id_evaluations_id_fk" FOREIGN KEY ("evaluation_id") REFERENCES "public"."evaluations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_events" ADD CONSTRAINT "routing_events_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_routing" ADD CONSTRAINT "task_routing_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_routing" ADD CONSTRAINT "task_routing_champion_id_model_versions_id_fk" FOREIGN KEY ("champion_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_routing" ADD CONSTRAINT "task_routing_fallback_id_model_versions_id_fk" FOREIGN KEY ("fallback_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evaluations_model_idx" ON "evaluations" USING btree ("model_version_id");--> statement-breakpoint
CREATE INDEX "evaluations_dataset_idx" ON "evaluations" USING btree ("dataset_version_id","split");--> statement-breakpoint
CREATE INDEX "routing_events_task_idx" ON "routing_events" USING btree ("task_id","created_at");