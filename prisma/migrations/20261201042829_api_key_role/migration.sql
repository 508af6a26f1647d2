-- AlterTable
ALTER TABLE "api_key" ADD COLUMN     "last_used_at" TIMESTAMPTZ(3),
ADD COLUMN     "role" "Role" NOT NULL DEFAULT 'ADMIN';

