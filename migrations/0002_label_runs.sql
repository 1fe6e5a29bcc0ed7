CREATE TABLE "label_results" (
	"run_id" uuid NOT NULL,
	"example_id" text NOT NULL,
	"status" text NOT NULL,
	"label" text,
	"confidence" real,
	"probabilities" jsonb,
	"raw_output" text,
	"error_code" text,
	"error_message" text,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision,
	"latency_ms" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "label_results_pk" PRIMARY KEY("run_id","example_id")
);
--> statement-breakpoint
CREATE TABLE "label_run_items" (
	"run_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"example_id" text NOT NULL,
	CONSTRAINT "label_run_items_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "label_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"source_version_id" uuid NOT NULL,
	"status" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"mode" text NOT NULL,
	"params" jsonb NOT NULL,
	"prompt" jsonb NOT NULL,
	"total" integer NOT NULL,
	"error_code" text,
	"error_message" text,
	"stop_reason" text,
	"result_version_id" uuid,
	"report" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "label_results" ADD CONSTRAINT "label_results_run_id_label_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."label_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "label_run_items" ADD CONSTRAINT "label_run_items_run_id_label_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."label_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "label_runs" ADD CONSTRAINT "label_runs_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "label_runs" ADD CONSTRAINT "label_runs_source_version_id_dataset_versions_id_fk" FOREIGN KEY ("source_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "label_runs" ADD CONSTRAINT "label_runs_result_version_id_dataset_versions_id_fk" FOREIGN KEY ("result_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "label_results_run_created_idx" ON "label_results" USING btree ("run_id","created_at");--> statement-breakpoint
CREATE INDEX "label_runs_source_idx" ON "label_runs" USING btree ("source_version_id");