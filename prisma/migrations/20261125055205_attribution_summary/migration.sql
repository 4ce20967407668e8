-- AlterTable
ALTER TABLE "AttributionRun" ADD COLUMN     "summary" JSONB;
