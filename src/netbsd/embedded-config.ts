/**
 * Recovers the config a kernel embeds with `options INCLUDE_CONFIG_FILE`, as NetBSD's `config -x` does
 * (usr.bin/config main.c extract_config): at every `_CFG_` take the bytes up to a newline or NUL and strunvis them.
 * No ELF parsing: the marker is enough, and it works on stripped kernels.
 */

import { latin1 } from '../bytes/view';

/** What starts every line of the embedded config (usr.bin/config mkmakefile.c): "_CFG_". */
export const CONFIG_MARKER = Uint8Array.from([0x5f, 0x43, 0x46, 0x47, 0x5f]);

/** Returns the embedded config text (one line per `_CFG_` record), or undefined when the kernel has none. */
export function extractConfig(bytes: Uint8Array): string | undefined {
  const lines: string[] = [];
  let i = 0;
  const hay = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while ((i = hay.indexOf(CONFIG_MARKER, i)) >= 0) {
    let j = i + CONFIG_MARKER.length;
    while (j < bytes.length && bytes[j] !== 0x0a && bytes[j] !== 0) j++;
    lines.push(strunvis(latin1(bytes.subarray(i + CONFIG_MARKER.length, j))));
    i = j;
  }
  return lines.length === 0 ? undefined : lines.map((l) => `${l}\n`).join('');
}

const CSTYLE: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', a: '\x07', v: '\v', f: '\f', s: ' ', E: '\x1b', '0': '\0' };

/** Decodes vis(3) encoding (NetBSD unvis: `\\`, octal `\ooo`, `\^X`, `\M-X`, `\M^X`, C-style escapes, `\$`). */
export function strunvis(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[i + 1];
    const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1));
    if (oct && !(n === '0' && oct[0].length === 1 && !/[0-7]/.test(s[i + 2] ?? ''))) {
      out += String.fromCharCode(parseInt(oct[0], 8) & 0xff);
      i += oct[0].length;
    } else if (n === '^' && i + 2 < s.length) {
      out += s[i + 2] === '?' ? '\x7f' : String.fromCharCode(s.charCodeAt(i + 2) & 0x1f);
      i += 2;
    } else if (n === 'M' && s[i + 2] === '-' && i + 3 < s.length) {
      out += String.fromCharCode(s.charCodeAt(i + 3) | 0x80);
      i += 3;
    } else if (n === 'M' && s[i + 2] === '^' && i + 3 < s.length) {
      out += String.fromCharCode((s[i + 3] === '?' ? 0x7f : s.charCodeAt(i + 3) & 0x1f) | 0x80);
      i += 3;
    } else if (n === '$') {
      i += 1; // hidden newline marker: nothing
    } else if (n in CSTYLE) {
      out += CSTYLE[n];
      i += 1;
    } else {
      out += n; // `\\`, `\"` and unknown escapes stand for the character itself
      i += 1;
    }
  }
  return out;
}
