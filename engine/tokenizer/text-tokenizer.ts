// Text <-> token ids through a checkpoint's tokenizer.json, read by @huggingface/tokenizers
// (byte-level BPE for GPT-2, SentencePiece-style BPE for Llama), plus display of single tokens.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { CheckpointError, errorMessage } from '../checkpoint/checkpoint-error.js';

export class TextTokenizer {
  private constructor(private readonly tokenizer: Tokenizer, readonly path: string) {}

  /**
   * Reads `tokenizer.json` (and `tokenizer_config.json` beside it when present).
   * Throws CheckpointError MISSING_FILE or BAD_TOKENIZER.
   */
  static fromFile(path: string): TextTokenizer {
    if (!existsSync(path)) throw new CheckpointError('MISSING_FILE', `${path}: no such file`, path);
    const configPath = join(dirname(path), 'tokenizer_config.json');
    try {
      const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
      const config: unknown = existsSync(configPath) ? JSON.parse(readFileSync(configPath, 'utf8')) : {};
      // The library's constructor is typed `Object`: any parsed JSON object is acceptable input.
      return new TextTokenizer(new Tokenizer(json as object, config as object), path);
    } catch (e) {
      throw new CheckpointError('BAD_TOKENIZER', `${path}: cannot build a tokenizer (${errorMessage(e)})`, path);
    }
  }

  /** Token ids of `text`; special tokens (e.g. Llama's BOS) are added as tokenizer.json says. */
  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: opts.addSpecialTokens ?? true }).ids;
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: opts.skipSpecialTokens ?? false, clean_up_tokenization_spaces: false });
  }

  /**
   * The text of one token as it appears inside decoded output (e.g. " French" with its space).
   * SentencePiece decoders strip the leading space of a whole text; a single "▁word" piece keeps it here.
   */
  tokenText(id: number): string {
    const text = this.decode([id]);
    const piece = this.tokenizer.id_to_token(id);
    return piece?.startsWith('\u2581') && !text.startsWith(' ') ? ` ${text}` : text;
  }

  /** The vocabulary string of a token (e.g. "ĠFrench"), or undefined for an unknown id. */
  tokenString(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }
}

/** A single token's text for display: spaces shown as "␣", newlines/tabs escaped. */
export function displayToken(text: string): string {
  return text.replace(/ /g, '␣').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}
