// Query.prompts (Relay connection), Mutation.createPrompt and the Prompt type.
import type { CreatePromptInput, MutationResolvers, PromptResolvers, QueryResolvers } from '../generated/graphql.js';
import type { Model } from '../generated/prisma/client.js';
import type { PromptWhereInput } from '../generated/prisma/models.js';
import { badInput, notFound } from '../errors.js';
import { requireRole } from '../auth/require-role.js';
import { importPrompts as importRecords, parsePromptJsonl, prepareTokens } from '../prompt-import.js';
import { parsePage, toConnection, fromGlobalId, toGlobalId } from '../relay.js';

/** Limits enforced by createPrompt. */
const PROMPT_LIMITS = Object.freeze({ textLength: 4096, tokenCount: 2048, nameLength: 64, answerLength: 256 });

const prompts: QueryResolvers['prompts'] = async (_parent, args, { prisma }) => {
  const page = parsePage(args);
  const filter = args.filter ?? {};
  const where: PromptWhereInput = {
    ...(filter.knowledgeTypeId == null ? {} : { knowledgeTypeId: fromGlobalId(filter.knowledgeTypeId, 'KnowledgeType', 'filter.knowledgeTypeId') }),
    ...(filter.modelId == null ? {} : { modelId: fromGlobalId(filter.modelId, 'Model', 'filter.modelId') }),
    ...(filter.textContains == null ? {} : { text: { contains: filter.textContains, mode: 'insensitive' } }),
    ...(page.afterId === null ? {} : { id: { gt: page.afterId } }),
  };
  const rows = await prisma.prompt.findMany({ where, orderBy: { id: 'asc' }, take: page.take + 1 });
  return toConnection(rows, page);
};

function checkLength(name: string, value: string, max: number): void {
  if (value.length < 1 || value.length > max) {
    throw badInput(name, `${name} must have 1 to ${max} characters: got ${value.length}`);
  }
}

/** Validates what needs no database; returns the normalised fields. Throws BAD_USER_INPUT. */
function validateInput(input: CreatePromptInput) {
  const text = input.text ?? null;
  const tokenIds = input.tokenIds ?? null;
  if (text === null && tokenIds === null) throw badInput('input', 'createPrompt needs text, tokenIds or both');
  if (text !== null) checkLength('input.text', text, PROMPT_LIMITS.textLength);
  if (tokenIds !== null) {
    if (tokenIds.length < 1 || tokenIds.length > PROMPT_LIMITS.tokenCount) {
      throw badInput('input.tokenIds', `input.tokenIds must have 1 to ${PROMPT_LIMITS.tokenCount} ids: got ${tokenIds.length}`);
    }
    if (input.modelId == null) throw badInput('input.modelId', 'input.modelId is required with tokenIds: token ids belong to one tokenizer');
  }
  if (input.knowledgeType != null && input.knowledgeTypeId != null) {
    throw badInput('input.knowledgeType', 'give input.knowledgeType or input.knowledgeTypeId, not both');
  }
  const knowledgeType = input.knowledgeType?.trim() ?? null;
  if (knowledgeType !== null) checkLength('input.knowledgeType', knowledgeType, PROMPT_LIMITS.nameLength);
  const expectedAnswer = input.expectedAnswer ?? null;
  if (expectedAnswer !== null) checkLength('input.expectedAnswer', expectedAnswer, PROMPT_LIMITS.answerLength);
  return {
    text,
    tokenIds,
    modelId: input.modelId == null ? null : fromGlobalId(input.modelId, 'Model', 'input.modelId'),
    knowledgeTypeId: input.knowledgeTypeId == null ? null : fromGlobalId(input.knowledgeTypeId, 'KnowledgeType', 'input.knowledgeTypeId'),
    knowledgeType,
    expectedAnswer,
  };
}

const createPrompt: MutationResolvers['createPrompt'] = async (_parent, args, { prisma, engine }) => {
  const input = validateInput(args.input);
  // One transaction: the model and knowledge type checked are the ones the prompt references, and
  // a knowledge type created by name is rolled back when any later check fails.
  return prisma.$transaction(async (tx) => {
    let knowledgeTypeId = input.knowledgeTypeId;
    if (knowledgeTypeId !== null && (await tx.knowledgeType.findUnique({ where: { id: knowledgeTypeId } })) === null) {
      throw notFound('KnowledgeType', args.input.knowledgeTypeId ?? '');
    }
    if (input.knowledgeType !== null) {
      const name = input.knowledgeType;
      knowledgeTypeId = (await tx.knowledgeType.upsert({ where: { name }, create: { name }, update: {} })).id;
    }
    let model: Model | null = null;
    if (input.modelId !== null) {
      model = await tx.model.findUnique({ where: { id: input.modelId } });
      if (model === null) throw notFound('Model', args.input.modelId ?? '');
    }
    // With a model, text is tokenized by its tokenizer (or ids checked) and must fit its context.
    const tokens = model === null ? null : prepareTokens(engine, model, input.text, input.tokenIds, 'input');
    return tx.prompt.create({
      data: {
        text: input.text,
        tokenIds: tokens?.tokenIds ?? input.tokenIds ?? [],
        tokens: tokens?.tokens ?? [],
        expectedAnswer: input.expectedAnswer,
        modelId: model?.id ?? null,
        knowledgeTypeId,
      },
    });
  });
};

export const promptQueries: Pick<QueryResolvers, 'prompts'> = { prompts };

const importPrompts: MutationResolvers['importPrompts'] = async (_parent, args, context) => {
  requireRole(context, 'ANNOTATOR');
  const { prisma, engine } = context;
  const modelId = fromGlobalId(args.model, 'Model', 'model');
  const model = await prisma.model.findUnique({ where: { id: modelId } });
  if (model === null) throw notFound('Model', args.model);
  return importRecords(prisma, engine, model, parsePromptJsonl(args.jsonl));
};

export const promptMutations: Pick<MutationResolvers, 'createPrompt' | 'importPrompts'> = { createPrompt, importPrompts };

export const Prompt: PromptResolvers = {
  id: (parent) => toGlobalId('Prompt', parent.id),
  knowledgeType: (parent, _args, { loaders }) =>
    parent.knowledgeTypeId === null ? null : loaders.knowledgeTypeById.load(parent.knowledgeTypeId),
  model: (parent, _args, { loaders }) => (parent.modelId === null ? null : loaders.modelById.load(parent.modelId)),
};
