/**
 * A small incremental 64-bit hash (two 32-bit FNV-1a style lanes with different primes).
 * Not cryptographic: it seeds replies and keys in-memory maps, and must be cheap enough to
 * run on every request. Incremental and copyable so prompt-cache prefixes hash in one pass.
 */
const SEPARATOR = 0xffff; // not a valid UTF-16 code unit on its own in practice: keeps "ab"+"c" ≠ "a"+"bc"

export class PromptHash {
  constructor(
    private a = 0x811c9dc5,
    private b = 0x9e3779b9,
  ) {}

  update(text: string): this {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    this.a = Math.imul(a ^ SEPARATOR, 0x01000193);
    this.b = Math.imul(b ^ SEPARATOR, 0x5bd1e995);
    return this;
  }

  copy(): PromptHash {
    return new PromptHash(this.a, this.b);
  }

  /** 32-bit seed for the reply generator. */
  seed(): number {
    return (this.a ^ (this.b >>> 7)) >>> 0;
  }

  digest(): string {
    return (this.a >>> 0).toString(36) + "." + (this.b >>> 0).toString(36);
  }
}

export function hashText(text: string): string {
  return new PromptHash().update(text).digest();
}
