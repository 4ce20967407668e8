-- CreateEnum
CREATE TYPE "Architecture" AS ENUM ('GPT2', 'LLAMA');

-- CreateEnum
CREATE TYPE "NeuronKind" AS ENUM ('FFN', 'ATTENTION');

-- CreateEnum
CREATE TYPE "ScoreRole" AS ENUM ('VALUE', 'QUERY');

-- CreateEnum
CREATE TYPE "AttributionMethod" AS ENUM ('LOG_PROB_INCREASE', 'LOG_PROB', 'PROB_INCREASE', 'NORM', 'COEFFICIENT', 'INVERSE_RANK', 'COEFFICIENT_TIMES_NORM', 'COEFFICIENT_OVER_RANK');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "ProjectionSide" AS ENUM ('TOP', 'BOTTOM');

-- CreateEnum
CREATE TYPE "ApiRole" AS ENUM ('READER', 'ANNOTATOR', 'ADMIN');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "Model" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "architecture" "Architecture" NOT NULL,
    "sourcePath" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "weightsChecksum" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Model_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KnowledgeType" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KnowledgeType_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Prompt" (
    "id" SERIAL NOT NULL,
    "text" TEXT,
    "tokenIds" INTEGER[],
    "tokens" TEXT[],
    "expectedAnswer" TEXT,
    "modelId" INTEGER,
    "knowledgeTypeId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Prompt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AttributionRun" (
    "id" SERIAL NOT NULL,
    "modelId" INTEGER NOT NULL,
    "promptId" INTEGER NOT NULL,
    "targetTokenId" INTEGER NOT NULL,
    "method" "AttributionMethod" NOT NULL,
    "engineVersion" TEXT NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'PENDING',
    "timings" JSONB,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "AttributionRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Neuron" (
    "id" SERIAL NOT NULL,
    "modelId" INTEGER NOT NULL,
    "kind" "NeuronKind" NOT NULL,
    "layer" INTEGER NOT NULL,
    "head" INTEGER NOT NULL DEFAULT -1,
    "index" INTEGER NOT NULL,

    CONSTRAINT "Neuron_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NeuronScore" (
    "id" BIGSERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "neuronId" INTEGER NOT NULL,
    "role" "ScoreRole" NOT NULL,
    "sourcePosition" INTEGER,
    "score" DOUBLE PRECISION NOT NULL,
    "coefficient" DOUBLE PRECISION,
    "rank" INTEGER NOT NULL,

    CONSTRAINT "NeuronScore_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LayerScore" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "role" "ScoreRole" NOT NULL,
    "kind" "NeuronKind" NOT NULL,
    "layer" INTEGER NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "LayerScore_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HeadScore" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "role" "ScoreRole" NOT NULL,
    "layer" INTEGER NOT NULL,
    "head" INTEGER NOT NULL,
    "sourcePosition" INTEGER,
    "score" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "HeadScore_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VocabProjection" (
    "id" BIGSERIAL NOT NULL,
    "modelId" INTEGER NOT NULL,
    "neuronId" INTEGER NOT NULL,
    "side" "ProjectionSide" NOT NULL,
    "rank" INTEGER NOT NULL,
    "tokenId" INTEGER NOT NULL,
    "token" TEXT,
    "logit" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "VocabProjection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Annotation" (
    "id" SERIAL NOT NULL,
    "neuronId" INTEGER NOT NULL,
    "author" TEXT NOT NULL,
    "apiKeyId" INTEGER,
    "label" TEXT NOT NULL,
    "note" TEXT,
    "tags" TEXT[],
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Annotation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AnnotationRevision" (
    "id" SERIAL NOT NULL,
    "annotationId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "author" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "note" TEXT,
    "tags" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AnnotationRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "role" "ApiRole" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "payload" JSONB NOT NULL,
    "result" JSONB,
    "error" TEXT,
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "runId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Model_name_key" ON "Model"("name");

-- CreateIndex
CREATE UNIQUE INDEX "KnowledgeType_name_key" ON "KnowledgeType"("name");

-- CreateIndex
CREATE INDEX "Prompt_knowledgeTypeId_id_idx" ON "Prompt"("knowledgeTypeId", "id");

-- CreateIndex
CREATE INDEX "Prompt_modelId_id_idx" ON "Prompt"("modelId", "id");

-- CreateIndex
CREATE INDEX "AttributionRun_promptId_idx" ON "AttributionRun"("promptId");

-- CreateIndex
CREATE UNIQUE INDEX "AttributionRun_modelId_promptId_targetTokenId_method_engine_key" ON "AttributionRun"("modelId", "promptId", "targetTokenId", "method", "engineVersion");

-- CreateIndex
CREATE UNIQUE INDEX "Neuron_modelId_kind_layer_head_index_key" ON "Neuron"("modelId", "kind", "layer", "head", "index");

-- CreateIndex
CREATE INDEX "NeuronScore_runId_role_rank_idx" ON "NeuronScore"("runId", "role", "rank");

-- CreateIndex
CREATE INDEX "NeuronScore_neuronId_idx" ON "NeuronScore"("neuronId");

-- CreateIndex
CREATE UNIQUE INDEX "LayerScore_runId_role_kind_layer_key" ON "LayerScore"("runId", "role", "kind", "layer");

-- CreateIndex
CREATE INDEX "HeadScore_runId_role_layer_head_idx" ON "HeadScore"("runId", "role", "layer", "head");

-- CreateIndex
CREATE INDEX "VocabProjection_modelId_tokenId_idx" ON "VocabProjection"("modelId", "tokenId");

-- CreateIndex
CREATE UNIQUE INDEX "VocabProjection_neuronId_side_rank_key" ON "VocabProjection"("neuronId", "side", "rank");

-- CreateIndex
CREATE INDEX "Annotation_neuronId_idx" ON "Annotation"("neuronId");

-- CreateIndex
CREATE INDEX "Annotation_tags_idx" ON "Annotation" USING GIN ("tags");

-- CreateIndex
CREATE UNIQUE INDEX "AnnotationRevision_annotationId_version_key" ON "AnnotationRevision"("annotationId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE INDEX "Job_status_createdAt_idx" ON "Job"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Job_runId_idx" ON "Job"("runId");

-- AddForeignKey
ALTER TABLE "Prompt" ADD CONSTRAINT "Prompt_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Prompt" ADD CONSTRAINT "Prompt_knowledgeTypeId_fkey" FOREIGN KEY ("knowledgeTypeId") REFERENCES "KnowledgeType"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AttributionRun" ADD CONSTRAINT "AttributionRun_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AttributionRun" ADD CONSTRAINT "AttributionRun_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "Prompt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Neuron" ADD CONSTRAINT "Neuron_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NeuronScore" ADD CONSTRAINT "NeuronScore_runId_fkey" FOREIGN KEY ("runId") REFERENCES "AttributionRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NeuronScore" ADD CONSTRAINT "NeuronScore_neuronId_fkey" FOREIGN KEY ("neuronId") REFERENCES "Neuron"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LayerScore" ADD CONSTRAINT "LayerScore_runId_fkey" FOREIGN KEY ("runId") REFERENCES "AttributionRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HeadScore" ADD CONSTRAINT "HeadScore_runId_fkey" FOREIGN KEY ("runId") REFERENCES "AttributionRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VocabProjection" ADD CONSTRAINT "VocabProjection_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VocabProjection" ADD CONSTRAINT "VocabProjection_neuronId_fkey" FOREIGN KEY ("neuronId") REFERENCES "Neuron"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Annotation" ADD CONSTRAINT "Annotation_neuronId_fkey" FOREIGN KEY ("neuronId") REFERENCES "Neuron"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Annotation" ADD CONSTRAINT "Annotation_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AnnotationRevision" ADD CONSTRAINT "AnnotationRevision_annotationId_fkey" FOREIGN KEY ("annotationId") REFERENCES "Annotation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_runId_fkey" FOREIGN KEY ("runId") REFERENCES "AttributionRun"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Seed: the six knowledge types of the paper's dataset (method.md section 6).
INSERT INTO "KnowledgeType" ("name", "description") VALUES
    ('language', 'Official or native language of a country or person'),
    ('capital', 'Capital city of a country'),
    ('country', 'Country a city, landmark or person belongs to'),
    ('color', 'Typical color of an object'),
    ('number', 'Numbers and counting'),
    ('month', 'Months of the year');
