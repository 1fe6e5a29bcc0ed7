CREATE TABLE "cascade_plans" (
	"id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"model_version_ids" jsonb NOT NULL,
	"dataset_version_id" uuid NOT NULL,
	"choose_split" text NOT NULL,
	"report_split" text NOT NULL,
	"target" jsonb NOT NULL,
	"abstain_below" double precision,
	"result" jsonb NOT NULL,
	"cascade_model_version_id" uuid,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "cascade" jsonb;--> statement-breakpoint
ALTER TABLE "evaluation_predictions" ADD COLUMN "stage" smallint;--> statement-breakpoint
ALTER TABLE "predictions" ADD COLUMN "cascade_id" uuid;--> statement-breakpoint
ALTER TABLE "predictions" ADD COLUMN "stage" smallint;--> statement-breakpoint
ALTER TABLE "predictions" ADD COLUMN "escalated" jsonb;--> statement-breakpoint
ALTER TABLE "predictions" ADD COLUMN "abstained" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cascade_plans" ADD CONSTRAINT "cascade_plans_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cascade_plans" ADD CONSTRAINT "cascade_plans_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cascade_plans" ADD CONSTRAINT "cascade_plans_cascade_model_version_id_model_versions_id_fk" FOREIGN KEY ("cascade_model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cascade_plans_task_idx" ON "cascade_plans" USING btree ("task_id","created_at");