ALTER TABLE "rollouts" ADD COLUMN "client_id" uuid;--> statement-breakpoint
ALTER TABLE "states" ADD COLUMN "intervention" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "rollouts_project_client_idx" ON "rollouts" USING btree ("project_id","client_id");