/** A Buffer view over any Uint8Array, without copying (Buffer has the fast UTF-8 and base64 codecs). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
