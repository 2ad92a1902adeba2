ALTER TABLE "rounds" DROP CONSTRAINT "rounds_status_check";--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "kind" text DEFAULT 'imitation' NOT NULL;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "parent_id" uuid;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_parent_id_policies_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."policies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_kind_check" CHECK ("policies"."kind" in ('imitation','rl-finetune'));--> statement-breakpoint
ALTER TABLE "rounds" ADD CONSTRAINT "rounds_status_check" CHECK ("rounds"."status" in ('collecting','labeling','aggregating','training','evaluating','finetuning','published','failed'));