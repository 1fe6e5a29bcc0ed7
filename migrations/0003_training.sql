CREATE TABLE "model_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"status" text DEFAULT 'candidate' NOT NULL,
	"prompt" jsonb NOT NULL,
	"label_codes" jsonb,
	"artifact" "bytea",
	"parent_id" uuid,
	"trained_on_version_id" uuid,
	"source_fine_tune_id" uuid,
	"training_cost_usd" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	"retired_reason" text,
	CONSTRAINT "model_versions_source_fine_tune_unique" UNIQUE("source_fine_tune_id")
);
--> statement-breakpoint
CREATE TABLE "fine_tune_checkpoints" (
	"fine_tune_id" uuid NOT NULL,
	"checkpoint_id" text NOT NULL,
	"step" integer NOT NULL,
	"model" text NOT NULL,
	"metrics" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "fine_tune_checkpoints_pk" PRIMARY KEY("fine_tune_id","checkpoint_id")
);
--> statement-breakpoint
CREATE TABLE "fine_tune_events" (
	"fine_tune_id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"level" text NOT NULL,
	"message" text NOT NULL,
	"type" text,
	"data" jsonb,
	CONSTRAINT "fine_tune_events_pk" PRIMARY KEY("fine_tune_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "fine_tune_transitions" (
	"fine_tune_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"status" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"detail" text,
	CONSTRAINT "fine_tune_transitions_pk" PRIMARY KEY("fine_tune_id","seq")
);
--> statement-breakpoint
CREATE TABLE "fine_tunes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"dataset_version_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"base_model" text NOT NULL,
	"parent_model_version_id" uuid,
	"suffix" text,
	"seed" integer,
	"hyperparameters" jsonb NOT NULL,
	"resolved_hyperparameters" jsonb,
	"estimate" jsonb,
	"status" text NOT NULL,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"provider_job_id" text,
	"training_file_id" text,
	"validation_file_id" text,
	"result_file_id" text,
	"fine_tuned_model" text,
	"trained_tokens" integer,
	"cost_usd" double precision,
	"curve" jsonb,
	"summary" jsonb,
	"error_code" text,
	"error_message" text,
	"model_version_id" uuid,
	"polls" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_parent_id_model_versions_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_trained_on_version_id_dataset_versions_id_fk" FOREIGN KEY ("trained_on_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fine_tune_checkpoints" ADD CONSTRAINT "fine_tune_checkpoints_fine_tune_id_fine_tunes_id_fk" FOREIGN KEY ("fine_tune_id") REFERENCES "public"."fine_tunes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fine_tune_events" ADD CONSTRAINT "fine_tune_events_fine_tune_id_fine_tunes_id_fk" FOREIGN KEY ("fine_tune_id") REFERENCES "public"."fine_tunes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fine_tune_transitions" ADD CONSTRAINT "fine_tune_transitions_fine_tune_id_fine_tunes_id_fk" FOREIGN KEY ("fine_tune_id") REFERENCES "public"."fine_tunes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fine_tunes" ADD CONSTRAINT "fine_tunes_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fine_tunes" ADD CONSTRAINT "fine_tunes_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fine_tunes" ADD CONSTRAINT "fine_tunes_parent_model_version_id_model_versions_id_fk" FOREIGN KEY ("parent_model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fine_tunes" ADD CONSTRAINT "fine_tunes_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "model_versions_task_idx" ON "model_versions" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "fine_tunes_task_idx" ON "fine_tunes" USING btree ("task_id");