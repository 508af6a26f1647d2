-- AlterTable
ALTER TABLE "customer" ADD COLUMN     "erased_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "csat_settings" ADD COLUMN     "retention_days" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "retention_sweep" (
    "day" DATE NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "customers" INTEGER NOT NULL DEFAULT 0,
    "comments" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "retention_sweep_pkey" PRIMARY KEY ("day")
);

