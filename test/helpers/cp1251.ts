/** Encodes text as windows-1251 (Node has decoders for it, not encoders): reverse of TextDecoder's table. */
const table = new Map<string, number>();
const decoder = new TextDecoder('windows-1251');
for (let b = 0; b < 256; b++) table.set(decoder.decode(Uint8Array.of(b)), b);

export default function toCp1251(text: string): Buffer {
  return Buffer.from([...text].map((c) => table.get(c) ?? 0x3f));
}
