ALTER TABLE "model_versions" ADD COLUMN "text_operations" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "prompt_format" text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
ALTER TABLE "fine_tunes" ADD COLUMN "system_message" boolean DEFAULT true NOT NULL;