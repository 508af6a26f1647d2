-- AlterEnum
ALTER TYPE "EmailState" ADD VALUE 'SUPPRESSED';

-- CreateTable
CREATE TABLE "email_suppression" (
    "workspace_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "email_suppression_pkey" PRIMARY KEY ("workspace_id","email")
);

-- AddForeignKey
ALTER TABLE "email_suppression" ADD CONSTRAINT "email_suppression_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

