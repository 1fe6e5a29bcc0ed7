ALTER TABLE "model_versions" ADD COLUMN "confidence_source" text;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "confidence_note" text;