-- CreateEnum
CREATE TYPE "CsatSkipReason" AS ENUM ('CSAT_OFF', 'SKIPPED_BY_TEAMMATE', 'EXCLUDED_LABEL', 'COOLDOWN', 'SAMPLED_OUT', 'SUPPRESSED_EMAIL');

-- CreateEnum
CREATE TYPE "CsatFollowUpStatus" AS ENUM ('OPEN', 'CONTACTED', 'DONE');

-- AlterTable
ALTER TABLE "teammate" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "deactivated_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "customer" ADD COLUMN     "locale" TEXT;

-- AlterTable
ALTER TABLE "conversation" ADD COLUMN     "assignee_id" UUID,
ADD COLUMN     "csat_skip_reason" "CsatSkipReason",
ADD COLUMN     "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "resolved_by_id" UUID;

-- AlterTable
ALTER TABLE "csat_settings" ADD COLUMN     "cooldown_days" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "default_locale" TEXT NOT NULL DEFAULT 'en',
ADD COLUMN     "exclude_labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "follow_up_at_or_below" INTEGER NOT NULL DEFAULT 2,
ADD COLUMN     "reasons" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "reasons_at_or_below" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "sample_percent" INTEGER NOT NULL DEFAULT 100,
ADD COLUMN     "texts" JSONB NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "csat_survey" ADD COLUMN     "locale" TEXT NOT NULL DEFAULT 'en',
ADD COLUMN     "reason" TEXT,
ADD COLUMN     "teammate_id" UUID;

-- CreateTable
CREATE TABLE "conversation_event" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "workspace_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "actor_id" UUID,
    "api_key_id" UUID,
    "before" JSONB NOT NULL,
    "after" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conversation_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "csat_follow_up" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "workspace_id" UUID NOT NULL,
    "survey_id" UUID NOT NULL,
    "status" "CsatFollowUpStatus" NOT NULL DEFAULT 'OPEN',
    "owner_id" UUID,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "csat_follow_up_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "csat_follow_up_change" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "follow_up_id" UUID NOT NULL,
    "actor_id" UUID,
    "api_key_id" UUID,
    "before" JSONB NOT NULL,
    "after" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "csat_follow_up_change_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "conversation_event_conversation_id_created_at_idx" ON "conversation_event"("conversation_id", "created_at");

-- CreateIndex
CREATE INDEX "conversation_event_workspace_id_idx" ON "conversation_event"("workspace_id");

-- CreateIndex
CREATE INDEX "conversation_event_actor_id_idx" ON "conversation_event"("actor_id");

-- CreateIndex
CREATE INDEX "conversation_event_api_key_id_idx" ON "conversation_event"("api_key_id");

-- CreateIndex
CREATE UNIQUE INDEX "csat_follow_up_survey_id_key" ON "csat_follow_up"("survey_id");

-- CreateIndex
CREATE INDEX "csat_follow_up_workspace_id_status_created_at_idx" ON "csat_follow_up"("workspace_id", "status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "csat_follow_up_owner_id_idx" ON "csat_follow_up"("owner_id");

-- CreateIndex
CREATE INDEX "csat_follow_up_change_follow_up_id_created_at_idx" ON "csat_follow_up_change"("follow_up_id", "created_at");

-- CreateIndex
CREATE INDEX "csat_follow_up_change_actor_id_idx" ON "csat_follow_up_change"("actor_id");

-- CreateIndex
CREATE INDEX "csat_follow_up_change_api_key_id_idx" ON "csat_follow_up_change"("api_key_id");

-- CreateIndex
CREATE INDEX "conversation_assignee_id_idx" ON "conversation"("assignee_id");

-- CreateIndex
CREATE INDEX "conversation_resolved_by_id_idx" ON "conversation"("resolved_by_id");

-- CreateIndex
CREATE INDEX "conversation_workspace_id_first_resolved_at_idx" ON "conversation"("workspace_id", "first_resolved_at");

-- CreateIndex
CREATE INDEX "csat_survey_teammate_id_idx" ON "csat_survey"("teammate_id");

-- AddForeignKey
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_assignee_id_fkey" FOREIGN KEY ("assignee_id") REFERENCES "teammate"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_resolved_by_id_fkey" FOREIGN KEY ("resolved_by_id") REFERENCES "teammate"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_event" ADD CONSTRAINT "conversation_event_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_event" ADD CONSTRAINT "conversation_event_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_event" ADD CONSTRAINT "conversation_event_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "teammate"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_event" ADD CONSTRAINT "conversation_event_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_key"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "csat_survey" ADD CONSTRAINT "csat_survey_teammate_id_fkey" FOREIGN KEY ("teammate_id") REFERENCES "teammate"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "csat_follow_up" ADD CONSTRAINT "csat_follow_up_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "csat_follow_up" ADD CONSTRAINT "csat_follow_up_survey_id_fkey" FOREIGN KEY ("survey_id") REFERENCES "csat_survey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "csat_follow_up" ADD CONSTRAINT "csat_follow_up_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "teammate"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "csat_follow_up_change" ADD CONSTRAINT "csat_follow_up_change_follow_up_id_fkey" FOREIGN KEY ("follow_up_id") REFERENCES "csat_follow_up"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "csat_follow_up_change" ADD CONSTRAINT "csat_follow_up_change_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "teammate"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "csat_follow_up_change" ADD CONSTRAINT "csat_follow_up_change_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_key"("id") ON DELETE SET NULL ON UPDATE CASCADE;

