import { estimateTextTokens } from "@/lib/llm/tokens";
import type { Block } from "@/lib/knowledge/parse";

/**
 * Cuts a parsed document into passages by its structure: a chunk never spans two sections
 * (a heading starts a new one), paragraphs are packed whole up to the token bound, and the
 * next chunk of the same section repeats the previous one's last paragraphs up to the
 * overlap, so a fact split across a boundary is still found with its context. A paragraph
 * longer than the bound is split at sentence ends, then at word boundaries. Pure and
 * deterministic: the same blocks give the same chunks (ordinals, texts, heading paths).
 * Tokens are the estimator's (lib/llm/tokens.ts), as for every budget in the app.
 */
export const CHUNK_POLICY = {
  maxTokens: 350,
  overlapTokens: 50,
} as const;

export interface Chunk {
  ordinal: number;
  /** The headings above the passage, outermost first. */
  headingPath: string[];
  text: string;
  tokenCount: number;
}

export interface ChunkOptions {
  maxTokens?: number;
  overlapTokens?: number;
}

interface Piece {
  text: string;
  tokens: number;
}

export function chunkBlocks(blocks: Block[], options: ChunkOptions = {}): Chunk[] {
  const maxTokens = options.maxTokens ?? CHUNK_POLICY.maxTokens;
  const overlapTokens = Math.min(options.overlapTokens ?? CHUNK_POLICY.overlapTokens, Math.floor(maxTokens / 2));
  const chunks: Chunk[] = [];
  const path: Array<{ level: number; text: string }> = [];
  let section: Piece[] = [];

  const emitSection = () => {
    const headingPath = path.map((h) => h.text);
    for (const text of packSection(section, maxTokens, overlapTokens)) {
      chunks.push({ ordinal: chunks.length, headingPath, text, tokenCount: Math.max(1, estimateTextTokens(text)) });
    }
    section = [];
  };

  for (const block of blocks) {
    if (block.kind === "heading") {
      emitSection();
      while (path.length > 0 && path[path.length - 1]!.level >= block.level) path.pop();
      path.push({ level: block.level, text: block.text.slice(0, 200) });
      continue;
    }
    for (const text of splitLong(block.text, maxTokens)) section.push({ text, tokens: estimateTextTokens(text) });
  }
  emitSection();
  return chunks;
}

/** Packs a section's paragraphs into chunk texts, with the overlap carried between them. */
function packSection(pieces: Piece[], maxTokens: number, overlapTokens: number): string[] {
  const out: string[] = [];
  let current: Piece[] = [];
  let tokens = 0;
  // Paragraphs of `current` that are only there as overlap: a chunk of nothing else is not emitted.
  let carried = 0;
  const joinTokens = 1; // the blank line between paragraphs
  for (const piece of pieces) {
    if (current.length > carried && tokens + joinTokens + piece.tokens > maxTokens) {
      out.push(current.map((p) => p.text).join("\n\n"));
      current = overlapOf(current, overlapTokens, maxTokens - piece.tokens - joinTokens);
      carried = current.length;
      tokens = current.reduce((n, p) => n + p.tokens + joinTokens, 0);
    }
    current.push(piece);
    tokens += piece.tokens + (current.length > 1 ? joinTokens : 0);
  }
  if (current.length > carried) out.push(current.map((p) => p.text).join("\n\n"));
  return out;
}

/** The trailing paragraphs of a chunk that fit in the overlap (and leave room for the next piece). */
function overlapOf(pieces: Piece[], overlapTokens: number, room: number): Piece[] {
  const budget = Math.min(overlapTokens, room);
  const kept: Piece[] = [];
  let tokens = 0;
  for (let i = pieces.length - 1; i >= 0; i--) {
    const p = pieces[i]!;
    if (tokens + p.tokens > budget) break;
    kept.unshift(p);
    tokens += p.tokens;
  }
  return kept;
}

/** Splits a paragraph over the bound at sentence ends, then words, then characters. */
function splitLong(text: string, maxTokens: number): string[] {
  if (estimateTextTokens(text) <= maxTokens) return [text];
  const sentences = text.match(/[^.!?。！？\n]+(?:[.!?。！？]+|\n|$)\s*/g) ?? [text];
  const out: string[] = [];
  let current = "";
  for (const sentence of sentences.flatMap((s) => (estimateTextTokens(s) <= maxTokens ? [s] : splitWords(s, maxTokens)))) {
    if (current && estimateTextTokens(current + sentence) > maxTokens) {
      out.push(current.trim());
      current = "";
    }
    current += sentence;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function splitWords(text: string, maxTokens: number): string[] {
  const maxChars = maxTokens * 4;
  const out: string[] = [];
  let current = "";
  for (const word of text.split(/(\s+)/)) {
    // A single "word" longer than a chunk (a base64 blob, a URL) is cut at the bound.
    for (let w = word; w.length > 0; w = w.slice(maxChars)) {
      const part = w.slice(0, maxChars);
      if (current && (current + part).length > maxChars) {
        out.push(current);
        current = "";
      }
      current += part;
    }
  }
  if (current.trim()) out.push(current);
  return out.map((s) => s.trim()).filter(Boolean);
}
