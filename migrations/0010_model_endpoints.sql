CREATE TABLE "model_endpoints" (
	"id" uuid PRIMARY KEY NOT NULL,
	"model_version_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"provider_endpoint_id" text,
	"endpoint_name" text,
	"display_name" text NOT NULL,
	"hardware" text NOT NULL,
	"min_replicas" integer NOT NULL,
	"max_replicas" integer NOT NULL,
	"price_per_minute_usd" double precision NOT NULL,
	"state" text DEFAULT 'requested' NOT NULL,
	"provider_state" text,
	"last_error" text,
	"stop_attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"stop_requested_at" timestamp with time zone,
	"stopped_at" timestamp with time zone,
	"stop_reason" text
);
--> statement-breakpoint
ALTER TABLE "model_endpoints" ADD CONSTRAINT "model_endpoints_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "model_endpoints_model_idx" ON "model_endpoints" USING btree ("model_version_id");--> statement-breakpoint
CREATE UNIQUE INDEX "model_endpoints_one_live" ON "model_endpoints" USING btree ("model_version_id") WHERE "model_endpoints"."state" in ('requested', 'pending', 'starting', 'started', 'stopping');