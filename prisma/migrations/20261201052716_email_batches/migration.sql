-- CreateEnum
CREATE TYPE "EmailDelivery" AS ENUM ('ACCEPTED', 'DELIVERED', 'DELAYED', 'BOUNCED', 'COMPLAINED');

-- CreateEnum
CREATE TYPE "EmailKind" AS ENUM ('SURVEY', 'REMINDER');

-- AlterEnum
ALTER TYPE "EmailState" ADD VALUE 'CANCELLED';

-- DropIndex
DROP INDEX "email_outbox_survey_id_key";

-- AlterTable
ALTER TABLE "csat_settings" ADD COLUMN     "reminder_after_days" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "email_outbox" ADD COLUMN     "batch_id" UUID,
ADD COLUMN     "delivery" "EmailDelivery",
ADD COLUMN     "delivery_at" TIMESTAMPTZ(3),
ADD COLUMN     "kind" "EmailKind" NOT NULL DEFAULT 'SURVEY';

-- CreateTable
CREATE TABLE "email_event" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "email_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "email_outbox_batch_id_idx" ON "email_outbox"("batch_id");

-- CreateIndex
CREATE INDEX "email_outbox_provider_id_idx" ON "email_outbox"("provider_id");

-- CreateIndex
CREATE UNIQUE INDEX "email_outbox_survey_id_kind_key" ON "email_outbox"("survey_id", "kind");


-- Instant hand-off: a committed insert into the outbox wakes every process's sender (LISTEN hydra_outbox).
CREATE FUNCTION "email_outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('hydra_outbox', '');
  RETURN NULL;
END;
$fn$;

CREATE TRIGGER "email_outbox_notify" AFTER INSERT ON "email_outbox"
  FOR EACH STATEMENT EXECUTE FUNCTION "email_outbox_notify"();
