CREATE TABLE "blobs" (
	"hash" text PRIMARY KEY NOT NULL,
	"size" integer NOT NULL,
	"media_type" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "frames" ALTER COLUMN "bytes" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "frames" ADD COLUMN "blob_hash" text;--> statement-breakpoint
ALTER TABLE "states" ADD COLUMN "images" jsonb;--> statement-breakpoint
ALTER TABLE "frames" ADD CONSTRAINT "frames_blob_hash_blobs_hash_fk" FOREIGN KEY ("blob_hash") REFERENCES "public"."blobs"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "frames_blob_hash_idx" ON "frames" USING btree ("blob_hash");--> statement-breakpoint
CREATE INDEX "frames_legacy_idx" ON "frames" USING btree ("id") WHERE "frames"."blob_hash" IS NULL;--> statement-breakpoint
ALTER TABLE "frames" ADD CONSTRAINT "frames_has_bytes" CHECK ("frames"."blob_hash" IS NOT NULL OR "frames"."bytes" IS NOT NULL);