import { createCipheriv, createHash } from 'node:crypto';

/**
 * Deterministic pseudo-random file content: the AES-128-CTR keystream of a key derived from a seed.
 * CTR mode gives random access (a Range request starts mid-file without generating the prefix) and
 * runs at native speed, so tens of MiB are hashed at start in milliseconds and no bytes are kept.
 */
const BLOCK = 16;

function keyFor(seed: string): Buffer {
  return createHash('sha256').update(`aether-simulator:${seed}`).digest().subarray(0, 16);
}

function counterBlock(blockIndex: number): Buffer {
  const iv = Buffer.alloc(BLOCK);
  iv.writeBigUInt64BE(BigInt(blockIndex), 8);
  return iv;
}

export interface GeneratedBytes {
  /** Yields the bytes [start, endInclusive] in chunks of at most `chunkSize`. */
  chunks(start: number, endInclusive: number, chunkSize: number): Generator<Buffer>;
}

export function generatedBytes(seed: string): GeneratedBytes {
  const key = keyFor(seed);
  return {
    *chunks(start, endInclusive, chunkSize) {
      if (endInclusive < start) return;
      const firstBlock = Math.floor(start / BLOCK);
      const cipher = createCipheriv('aes-128-ctr', key, counterBlock(firstBlock));
      let skip = start - firstBlock * BLOCK;
      let remaining = endInclusive - start + 1;
      const zeros = Buffer.alloc(Math.min(chunkSize, remaining + skip));
      while (remaining > 0) {
        const want = Math.min(zeros.length, remaining + skip);
        const out = cipher.update(want === zeros.length ? zeros : zeros.subarray(0, want));
        const chunk = skip > 0 ? out.subarray(skip) : out;
        skip = 0;
        const piece = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
        remaining -= piece.length;
        yield piece;
      }
    },
  };
}

/** SHA-256 (lower-case hex) of a whole generated file. */
export function hashGenerated(bytes: GeneratedBytes, size: number, chunkSize: number): string {
  const hash = createHash('sha256');
  for (const chunk of bytes.chunks(0, size - 1, chunkSize)) hash.update(chunk);
  return hash.digest('hex');
}
