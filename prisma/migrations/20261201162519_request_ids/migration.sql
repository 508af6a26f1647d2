-- AlterTable
ALTER TABLE "csat_survey" ADD COLUMN     "request_id" TEXT;

-- AlterTable
ALTER TABLE "email_outbox" ADD COLUMN     "request_id" TEXT;

-- AlterTable
ALTER TABLE "webhook_delivery" ADD COLUMN     "request_id" TEXT;

