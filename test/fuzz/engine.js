'use strict';
/*
 * The CLI fuzzer's engine, shared by test/fuzz/cli.test.ts (bounded, in the suite) and
 * test/fuzz/long-run.js (`npm run fuzz -- --count 100000`). Plain CommonJS so the long run needs
 * no TypeScript: it drives dist/, the test drives src/ through ts-jest; both hand in `run`.
 *
 * Mutants are aimed, not only random: a small independent ELF reader (below, not kpatch's) finds
 * the ELF header, program and section headers, symbols, string tables, notes, the cfdata entries
 * and the parent specs they point at, and each mutant corrupts one or a few fields there with
 * values that break readers (0, all ones, sizes off by one, offsets past the end, pointers into
 * the table itself), or truncates the file.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** mulberry32: small, seeded, reproducible. */
function rng(seed) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

/* ---- an independent, minimal ELF reader: only offsets, no validation ---- */

function layout(b) {
	if (b.length < 52 || b[0] !== 0x7f || b[1] !== 0x45) return null;
	const is64 = b[4] === 2;
	const le = b[5] === 1;
	const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
	const u16 = (o) => (o + 2 <= b.length ? dv.getUint16(o, le) : 0);
	const u32 = (o) => (o + 4 <= b.length ? dv.getUint32(o, le) : 0);
	const word = (o) => (is64 ? (o + 8 <= b.length ? dv.getBigUint64(o, le) : 0n) : BigInt(u32(o)));
	const W = is64 ? 8 : 4;
	const hdr = is64
		? { phoff: Number(word(32)), shoff: Number(word(40)), phentsize: u16(54), phnum: u16(56), shentsize: u16(58), shnum: u16(60), shstrndx: u16(62) }
		: { phoff: u32(28), shoff: u32(32), phentsize: u16(42), phnum: u16(44), shentsize: u16(46), shnum: u16(48), shstrndx: u16(50) };
	// field offsets inside the records, per class
	const F = is64
		? {
			ehdr: { e_type: [16, 2], e_machine: [18, 2], e_phoff: [32, 8], e_shoff: [40, 8], e_phentsize: [54, 2], e_phnum: [56, 2], e_shentsize: [58, 2], e_shnum: [60, 2], e_shstrndx: [62, 2], ei_class: [4, 1], ei_data: [5, 1] },
			phdr: { p_type: [0, 4], p_offset: [8, 8], p_vaddr: [16, 8], p_filesz: [32, 8], p_memsz: [40, 8], p_align: [48, 8] },
			shdr: { sh_name: [0, 4], sh_type: [4, 4], sh_addr: [16, 8], sh_offset: [24, 8], sh_size: [32, 8], sh_link: [40, 4], sh_info: [44, 4], sh_addralign: [48, 8], sh_entsize: [56, 8] },
			sym: { st_name: [0, 4], st_info: [4, 1], st_shndx: [6, 2], st_value: [8, 8], st_size: [16, 8] },
		}
		: {
			ehdr: { e_type: [16, 2], e_machine: [18, 2], e_phoff: [28, 4], e_shoff: [32, 4], e_phentsize: [42, 2], e_phnum: [44, 2], e_shentsize: [46, 2], e_shnum: [48, 2], e_shstrndx: [50, 2], ei_class: [4, 1], ei_data: [5, 1] },
			phdr: { p_type: [0, 4], p_offset: [4, 4], p_vaddr: [8, 4], p_filesz: [16, 4], p_memsz: [20, 4], p_align: [28, 4] },
			shdr: { sh_name: [0, 4], sh_type: [4, 4], sh_addr: [12, 4], sh_offset: [16, 4], sh_size: [20, 4], sh_link: [24, 4], sh_info: [28, 4], sh_addralign: [32, 4], sh_entsize: [36, 4] },
			sym: { st_name: [0, 4], st_value: [4, 4], st_size: [8, 4], st_info: [12, 1], st_shndx: [14, 2] },
		};
	const sections = [];
	for (let i = 0; i < hdr.shnum && hdr.shoff + (i + 1) * hdr.shentsize <= b.length; i++) {
		const o = hdr.shoff + i * hdr.shentsize;
		const f = F.shdr;
		sections.push({ at: o, type: u32(o + f.sh_type[0]), addr: word(o + f.sh_addr[0]), offset: Number(is64 ? word(o + f.sh_offset[0]) : u32(o + f.sh_offset[0])), size: Number(is64 ? word(o + f.sh_size[0]) : u32(o + f.sh_size[0])), link: u32(o + f.sh_link[0]) });
	}
	const segments = [];
	for (let i = 0; i < hdr.phnum && hdr.phoff + (i + 1) * hdr.phentsize <= b.length; i++) {
		const o = hdr.phoff + i * hdr.phentsize;
		segments.push({ at: o, type: u32(o), vaddr: word(o + F.phdr.p_vaddr[0]), offset: Number(is64 ? word(o + F.phdr.p_offset[0]) : u32(o + F.phdr.p_offset[0])), filesz: Number(is64 ? word(o + F.phdr.p_filesz[0]) : u32(o + F.phdr.p_filesz[0])) });
	}
	const inFile = (s) => s.offset + s.size <= b.length;
	const symtab = sections.find((s) => s.type === 2 && inFile(s));
	const strtab = symtab && sections[symtab.link] && inFile(sections[symtab.link]) ? sections[symtab.link] : undefined;
	const entsize = is64 ? 24 : 16;
	const symbols = [];
	if (symtab && strtab) {
		for (let o = symtab.offset + entsize; o + entsize <= symtab.offset + symtab.size; o += entsize) {
			const n = strtab.offset + u32(o);
			let e = n;
			while (e < b.length && b[e] !== 0 && e - n < 64) e++;
			symbols.push({ at: o, name: Buffer.from(b.subarray(n, e)).toString('latin1'), value: word(o + F.sym.st_value[0]) });
		}
	}
	const toOffset = (va) => {
		for (const p of segments) if (p.type === 1 && va >= p.vaddr && va < p.vaddr + BigInt(p.filesz)) return p.offset + Number(va - p.vaddr);
		return -1;
	};
	// cfdata entries: name pointer, atname pointer, loc and pspec pointer slots; pspec targets
	const cf = symbols.find((s) => s.name === 'cfdata');
	const cfEntries = [];
	const pspecs = [];
	if (cf) {
		const base = toOffset(cf.value);
		const size = is64 ? 48 : 24;
		const slots = is64 ? { name: 0, atname: 8, unitstate: 16, loc: 24, flags: 32, pspec: 40 } : { name: 0, atname: 4, unitstate: 8, loc: 12, flags: 16, pspec: 20 };
		for (let o = base; base >= 0 && o + size <= b.length && cfEntries.length < 4096; o += size) {
			if (word(o) === 0n) break;
			cfEntries.push({ at: o, slots });
			const ps = toOffset(word(o + slots.pspec));
			if (ps >= 0 && !pspecs.includes(ps)) pspecs.push(ps);
		}
	}
	return { is64, le, W, hdr, F, sections, segments, symtab, strtab, symbols, notes: sections.filter((s) => s.type === 7 && inFile(s)), cf, cfEntries, pspecs, toOffset };
}

/* ---- mutations ---- */

function put(b, L, at, width, value) {
	if (at < 0 || at + width > b.length) return false;
	const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
	const v = BigInt.asUintN(width * 8, BigInt(value));
	if (width === 1) dv.setUint8(at, Number(v));
	else if (width === 2) dv.setUint16(at, Number(v), L.le);
	else if (width === 4) dv.setUint32(at, Number(v), L.le);
	else dv.setBigUint64(at, v, L.le);
	return true;
}

/** Values that break readers, for a field of `width` bytes in a file of `size` bytes. */
function nasty(r, width, size, extra = []) {
	const max = (1n << BigInt(width * 8)) - 1n;
	const pool = [0n, 1n, 2n, max, max - 1n, max >> 1n, (max >> 1n) + 1n, BigInt(size), BigInt(size - 1), BigInt(size + 1), BigInt(r.int(size + 1)), BigInt(r.int(0x10000)), 0x7fffffffn, 0x80000000n, ...extra];
	return r.pick(pool) & max;
}

const KINDS = ['bitflip', 'ehdr', 'phdr', 'shdr', 'symbol', 'strtab', 'note', 'cfptr', 'pspec', 'cfstate', 'truncate'];

/** Makes one mutant of `src` (never modifies it); returns the bytes and what was done. */
function mutate(src, L, r) {
	const b = Uint8Array.from(src);
	const kind = r.pick(KINDS);
	const what = [kind];
	const field = (recordAt, fields) => {
		const name = r.pick(Object.keys(fields));
		const [off, width] = fields[name];
		const v = nasty(r, width, b.length);
		put(b, L, recordAt + off, width, v);
		what.push(`${name}@0x${(recordAt + off).toString(16)}=0x${v.toString(16)}`);
	};
	switch (kind) {
		case 'bitflip': {
			for (let i = 1 + r.int(4); i > 0; i--) {
				const at = r.int(b.length);
				b[at] ^= 1 << r.int(8);
				what.push(`0x${at.toString(16)}`);
			}
			break;
		}
		case 'ehdr': field(0, L.F.ehdr); break;
		case 'phdr': if (L.segments.length) field(r.pick(L.segments).at, L.F.phdr); else field(0, L.F.ehdr); break;
		case 'shdr': if (L.sections.length) field(r.pick(L.sections).at, L.F.shdr); else field(0, L.F.ehdr); break;
		case 'symbol': {
			if (!L.symbols.length) return mutate(src, L, r);
			// half the time one of the symbols kpatch looks up by name
			const wanted = L.symbols.filter((s) => ['cfdata', 'cfroots', 'cfdriver_list_initial', 'ostype', 'osrelease', 'version', 'config'].includes(s.name));
			const s = wanted.length && r.next() < 0.5 ? r.pick(wanted) : r.pick(L.symbols);
			what.push(s.name);
			field(s.at, L.F.sym);
			break;
		}
		case 'strtab': {
			const tabs = [L.strtab, L.sections[L.hdr.shstrndx]].filter((s) => s && s.size > 0 && s.offset + s.size <= b.length);
			if (!tabs.length) return mutate(src, L, r);
			const t = r.pick(tabs);
			const at = t.offset + r.int(t.size);
			const len = 1 + r.int(Math.min(64, t.offset + t.size - at));
			// remove the NULs (unterminated names), or cut names short, or fill with high bytes
			const fill = r.pick([0x41, 0x00, 0xff]);
			b.fill(fill, at, at + len);
			what.push(`0x${at.toString(16)}+${len}=${fill}`);
			break;
		}
		case 'note': {
			if (!L.notes.length) return mutate(src, L, r);
			const n = r.pick(L.notes);
			const at = n.offset + 4 * r.int(Math.max(1, Math.min(n.size, 32) >> 2));
			const v = nasty(r, 4, b.length, [3n, 4n, 5n, 7n, 8n, 0x12n]);
			put(b, L, at, 4, v);
			what.push(`0x${at.toString(16)}=0x${v.toString(16)}`);
			break;
		}
		case 'cfptr': {
			if (!L.cfEntries.length) return mutate(src, L, r);
			const e = r.pick(L.cfEntries);
			const slot = r.pick(['name', 'atname', 'loc', 'pspec']);
			const va = L.cf.value;
			const v = nasty(r, L.W, b.length, [va, va + 1n, va - 1n, va + BigInt(e.at - L.toOffset(va)), (va & ~0xfffn) - 1n, va + 0x100000n]);
			put(b, L, e.at + e.slots[slot], L.W, v);
			what.push(`${slot}@0x${(e.at + e.slots[slot]).toString(16)}=0x${v.toString(16)}`);
			break;
		}
		case 'pspec': {
			if (!L.pspecs.length) return mutate(src, L, r);
			const at = r.pick(L.pspecs);
			// struct cfparent: iattr pointer, parent pointer, unit (int)
			const k = r.int(3);
			const off = k * L.W;
			const width = k === 2 ? 4 : L.W;
			const v = k === 2 ? r.pick([0n, 1n, 0xffffffffn, 0x7fffffffn, 0x80000000n, 5n]) : nasty(r, width, b.length, [L.cf ? L.cf.value : 0n]);
			put(b, L, at + off, width, v);
			what.push(`${['iattr', 'parent', 'unit'][k]}@0x${(at + off).toString(16)}=0x${v.toString(16)}`);
			break;
		}
		case 'cfstate': {
			if (!L.cfEntries.length) return mutate(src, L, r);
			const e = r.pick(L.cfEntries);
			const at = e.at + e.slots.unitstate + r.int(4);
			b[at] = r.pick([0, 1, 2, 3, 4, 5, 0x80, 0xff]);
			what.push(`0x${at.toString(16)}=${b[at]}`);
			break;
		}
		case 'truncate': {
			const n = r.int(b.length);
			what.push(String(n));
			return { bytes: b.subarray(0, n), what: what.join(' ') };
		}
	}
	// sometimes a second, independent corruption
	if (r.next() < 0.2) {
		const more = mutate(b, L, r);
		return { bytes: more.bytes, what: `${what.join(' ')} + ${more.what}` };
	}
	return { bytes: b, what: what.join(' ') };
}

/* ---- running and judging ---- */

/** The commands every mutant goes through. */
function commands(file) {
	return [
		['info', file],
		['list', file],
		['tree', file],
		['check', file, '--microvm'],
		['disable', '#1', '-k', file, '--dry-run'],
	];
}

/** Why a run broke the rules, or null when it kept them. */
function judge(res, ms, limitMs) {
	if (res.threw) return `threw: ${res.threw}`;
	if (![0, 1, 2].includes(res.code)) return `exit ${res.code}`;
	const lines = res.err.split('\n').filter((l) => l !== '');
	const errors = lines.filter((l) => !l.startsWith('warning: '));
	if (errors.length > 1) return `${errors.length} error lines: ${JSON.stringify(errors.slice(0, 3))}`;
	if (errors.length === 1 && !errors[0].startsWith('kpatch: ')) return `stderr not 'kpatch: ...': ${JSON.stringify(errors[0])}`;
	if (res.err.includes('internal error')) return `internal error: ${JSON.stringify(errors[0])}`;
	if (res.code === 2 && errors.length !== 1) return 'exit 2 without an error line';
	if (ms > limitMs) return `took ${ms.toFixed(0)} ms (limit ${limitMs})`;
	return null;
}

/** Runs kpatch in-process with captured output; never rejects. */
async function runCaptured(run, argv) {
	let out = '';
	let err = '';
	const io = { out: (t) => { out += t; }, err: (t) => { err += t; }, stdoutIsTTY: false, stderrIsTTY: false, env: {} };
	try {
		const code = await run(argv, io);
		return { code, out, err };
	} catch (e) {
		return { code: -1, out, err, threw: e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e) };
	}
}

/** A scratch directory for mutant files, in memory when /dev/shm exists. */
function scratch() {
	const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
	return fs.mkdtempSync(path.join(base, 'kpatch-fuzz-'));
}

/** The committed fixtures the fuzzer starts from. */
function fixtures(dir) {
	return fs.readdirSync(dir).filter((f) => /^(netbsd-|elf-)/.test(f)).sort().map((f) => ({ name: f, bytes: new Uint8Array(fs.readFileSync(path.join(dir, f))) }));
}

/**
 * Runs `count` mutants spread over `inputs` through every command; returns failures (each with
 * what to reproduce it) and counts. `onProgress(done)` is called now and then.
 */
async function fuzz({ run, inputs, seed, count, dir, limitMs = 2000, onProgress = () => {}, maxFailures = 20 }) {
	const r = rng(seed);
	const layouts = inputs.map((i) => layout(i.bytes));
	const file = path.join(dir, 'mutant');
	const failures = [];
	const kinds = {};
	let runs = 0;
	for (let n = 0; n < count && failures.length < maxFailures; n++) {
		const k = n % inputs.length;
		const m = mutate(inputs[k].bytes, layouts[k], r);
		const kind = m.what.split(' ')[0];
		kinds[kind] = (kinds[kind] || 0) + 1;
		fs.writeFileSync(file, m.bytes);
		for (const argv of commands(file)) {
			const t0 = process.hrtime.bigint();
			const res = await runCaptured(run, argv);
			runs++;
			const why = judge(res, Number(process.hrtime.bigint() - t0) / 1e6, limitMs);
			if (why) {
				const keep = path.join(dir, `failure-${failures.length}`);
				fs.writeFileSync(keep, m.bytes);
				failures.push({ fixture: inputs[k].name, mutant: n, mutation: m.what, argv: argv.map((a) => (a === file ? keep : a)).join(' '), why });
				break;
			}
		}
		if (n % 500 === 499) onProgress(n + 1);
	}
	return { failures, runs, kinds };
}

/** Truncates `input` at every size in [0, length) with step `step`, through each argv of `argvFor(file)`. */
async function truncations({ run, input, dir, step = 1, argvFor = (f) => [['info', f]], limitMs = 2000 }) {
	const file = path.join(dir, 'truncated');
	const failures = [];
	let runs = 0;
	for (let n = 0; n < input.bytes.length && failures.length < 20; n += step) {
		fs.writeFileSync(file, input.bytes.subarray(0, n));
		for (const argv of argvFor(file)) {
			const t0 = process.hrtime.bigint();
			const res = await runCaptured(run, argv);
			runs++;
			const why = judge(res, Number(process.hrtime.bigint() - t0) / 1e6, limitMs);
			if (why) failures.push({ fixture: input.name, truncatedTo: n, argv: argv.join(' '), why });
		}
	}
	return { failures, runs };
}

/* ---- config files ---- */

const CONFIG_TOKENS = ['include', 'options', 'no', 'makeoptions', 'pseudo-device', 'at', '?', '*', '"', '\\', '#', '=', ',', 'root', 'on', 'type', 'dumps', 'config', 'netbsd', 'maxusers', 'cinclude', 'file-system', 'select', 'ident', 'mainbus0', 'virtio*', '0x', '-1', '99999999999999999999', '"unterminated', '\t', '\0', '\r', '\x1b[31m', 'ä'];

/** Makes one mutant of a config text: line surgery, token insertion, byte damage, truncation. */
function mutateConfig(text, r) {
	let lines = text.split('\n');
	const kind = r.pick(['delete', 'duplicate', 'swap', 'token', 'bytes', 'truncate', 'continuation', 'longline', 'include']);
	const i = r.int(lines.length);
	switch (kind) {
		case 'delete': lines.splice(i, 1 + r.int(3)); break;
		case 'duplicate': lines.splice(i, 0, lines[r.int(lines.length)]); break;
		case 'swap': { const j = r.int(lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; break; }
		case 'token': {
			const words = (lines[i] || '').split(' ');
			words.splice(r.int(words.length + 1), r.int(2), r.pick(CONFIG_TOKENS));
			lines[i] = words.join(' ');
			break;
		}
		case 'bytes': {
			const b = Buffer.from(lines.join('\n'), 'latin1');
			for (let k = 1 + r.int(6); k > 0 && b.length; k--) b[r.int(b.length)] = r.pick([0, 0x0a, 0x22, 0x5c, 0x23, 0x2a, 0x3f, 0xff, 0x09, 0x20, r.int(256)]);
			lines = b.toString('latin1').split('\n');
			break;
		}
		case 'truncate': return { text: lines.join('\n').slice(0, r.int(text.length + 1)), what: kind };
		case 'continuation': lines[i] = `${lines[i] || ''}\\`; if (r.next() < 0.5) lines = lines.slice(0, i + 1); break;
		case 'longline': lines.splice(i, 0, `options ${'A'.repeat(1 + r.int(70000))}`); break;
		case 'include': lines.splice(i, 0, r.pick(['include "../../../../../../etc/passwd"', 'include "arch/amd64/conf/SMOL"', 'include ""', 'include', 'cinclude "nope"', `include "${'x/'.repeat(300)}"`])); break;
	}
	return { text: lines.join('\n'), what: `${kind}@${i}` };
}

/** Why a lint run broke the rules: findings go to stdout and notes name their file, so only other stderr lines count. */
function judgeLint(res, ms, limitMs) {
	const kept = res.err.split('\n').filter((l) => l && !/: note: /.test(l) && !l.startsWith('warning: ')).join('\n');
	return judge({ ...res, err: kept ? `${kept}\n` : '' }, ms, limitMs);
}

/** Runs `count` config mutants through `config lint` (and with --sys when `sysDir` is given). */
async function fuzzConfigs({ run, inputs, seed, count, dir, sysDir, limitMs = 2000 }) {
	const r = rng(seed);
	const file = path.join(dir, 'GENERIC_FUZZ');
	const failures = [];
	let runs = 0;
	for (let n = 0; n < count && failures.length < 20; n++) {
		const k = n % inputs.length;
		let m = mutateConfig(inputs[k].text, r);
		if (r.next() < 0.3) m = { ...mutateConfig(m.text, r), what: `${m.what} + ${mutateConfig(m.text, r).what}` };
		fs.writeFileSync(file, m.text, 'latin1');
		const argvs = [['config', 'lint', file], ['config', 'lint', '--json', file]];
		if (sysDir) argvs.push(['config', 'lint', '--sys', sysDir, file]);
		for (const argv of argvs) {
			const t0 = process.hrtime.bigint();
			const res = await runCaptured(run, argv);
			runs++;
			const why = judgeLint(res, Number(process.hrtime.bigint() - t0) / 1e6, limitMs);
			if (why) {
				const keep = path.join(dir, `config-failure-${failures.length}`);
				fs.writeFileSync(keep, m.text, 'latin1');
				failures.push({ fixture: inputs[k].name, mutant: n, mutation: m.what, argv: argv.map((a) => (a === file ? keep : a)).join(' '), why });
				break;
			}
		}
	}
	return { failures, runs };
}

/** The real configs of test/corpus (top-level kernel configs, not files.*). */
function configs(sysDir) {
	const out = [];
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (/^[A-Z][A-Z0-9_.]*$/.test(e.name) || e.name === 'std' || e.name.endsWith('.config')) out.push({ name: path.relative(sysDir, p), text: fs.readFileSync(p, 'latin1') });
		}
	};
	walk(sysDir);
	return out.sort((a, b) => a.name.localeCompare(b.name));
}

/* ---- config files against a hostile --sys tree ---- */

const SECRET = 'SECRET_TOKEN_4f1d';
const BIG = (64 << 20) + 1; // one byte over what kpatch reads as text (MAX_TEXT)

/**
 * Builds a --sys tree whose files are links of every kind: to a file outside the tree (must never be read), inside
 * it, dangling, to itself, to a directory, to a sparse file bigger than kpatch reads; plus a big input file.
 */
function hostileTree(dir) {
	const root = path.join(dir, 'hostile');
	const sys = path.join(root, 'sys');
	const outside = path.join(dir, 'outside');
	fs.mkdirSync(path.join(sys, 'arch', 't', 'conf'), { recursive: true });
	fs.mkdirSync(path.join(sys, 'conf'), { recursive: true });
	fs.mkdirSync(outside, { recursive: true });
	fs.writeFileSync(path.join(outside, 'secret'), `options\t${SECRET}=1\n`);
	fs.writeFileSync(path.join(sys, 'conf', 'files'), 'define\tmainbus {}\ndevice\tcpu\nattach\tcpu at mainbus\ndefpseudo\tmd\n');
	fs.writeFileSync(path.join(sys, 'arch', 't', 'conf', 'std.t'), 'machine\tt\n');
	fs.writeFileSync(path.join(sys, 'arch', 't', 'conf', 'files.t'), 'device\tmainbus {}\nattach\tmainbus at root\n');
	const big = path.join(sys, 'conf', 'big.real');
	fs.closeSync(fs.openSync(big, 'w'));
	fs.truncateSync(big, BIG); // sparse: costs no disk
	const links = {
		out: path.join(outside, 'secret'),
		outdir: outside,
		in: '../../../arch/t/conf/std.t',
		dangling: 'no-such-file',
		self: 'self',
		dir: '../../../conf',
		big: '../../../conf/big.real',
	};
	for (const [name, target] of Object.entries(links)) fs.symlinkSync(target, path.join(sys, 'arch', 't', 'conf', name));
	const bigInput = path.join(root, 'BIG_INPUT');
	fs.closeSync(fs.openSync(bigInput, 'w'));
	fs.truncateSync(bigInput, BIG);
	return { sys, bigInput, links: Object.keys(links) };
}

const HOSTILE_LINES = ['include "arch/t/conf/std.t"', 'mainbus0 at root', 'cpu* at mainbus?', 'pseudo-device md', 'config netbsd root on ? type ?', 'options A', 'no options A', 'ifdef t', 'endif'];

/**
 * Runs `count` configs that include the hostile tree's links through `config lint --sys` and `config diff --sys`.
 * Besides the usual rules (exit 0/1/2, one `kpatch:` line, no internal error, no hang), the outside file's content
 * must never reach stdout, and a config that includes a link leading outside must be refused with exit 2.
 */
async function fuzzHostileTree({ run, seed, count, dir, limitMs = 2000 }) {
	const r = rng(seed);
	const { sys, bigInput, links } = hostileTree(dir);
	// the configs live in a directory of their own: kpatch also reads what lies under the directory of a config
	// named on the command line, and the outside file must be outside that too
	fs.mkdirSync(path.join(dir, 'configs'), { recursive: true });
	const file = path.join(dir, 'configs', 'HOSTILE');
	const empty = path.join(dir, 'configs', 'EMPTY');
	fs.writeFileSync(empty, '');
	const failures = [];
	let runs = 0;
	const check = async (argv, text, outside) => {
		const t0 = process.hrtime.bigint();
		const res = await runCaptured(run, argv);
		runs++;
		let why = judgeLint(res, Number(process.hrtime.bigint() - t0) / 1e6, limitMs);
		if (!why && res.out.includes(SECRET)) why = 'printed the content of a file outside the tree';
		if (!why && outside && res.code !== 2) why = `exit ${res.code} for an include that leads outside the tree`;
		if (why) {
			const keep = path.join(dir, `hostile-failure-${failures.length}`);
			fs.writeFileSync(keep, text);
			failures.push({ fixture: 'hostile tree', mutant: runs, argv: argv.map((a) => (a === file ? keep : a)).join(' '), why });
		}
	};
	for (let n = 0; n < count && failures.length < 20; n++) {
		const lines = [];
		for (let k = 1 + r.int(6); k > 0; k--) lines.push(r.pick(HOSTILE_LINES));
		const link = r.pick(links);
		lines.splice(r.int(lines.length + 1), 0, `${r.pick(['include', 'cinclude', '-include'])} "arch/t/conf/${link}"`);
		let text = lines.join('\n') + '\n';
		if (r.next() < 0.3) text = mutateConfig(text, r).text;
		fs.writeFileSync(file, text);
		// the include is followed only where it survived the mutation and sits in a live branch; judge "outside" on the
		// plain text: a line that names an outside link and is not commented out
		const outside = /^(include|cinclude|-include) "arch\/t\/conf\/out"$/m.test(text) && !/^(ifdef|ifndef|elifdef|elifndef|else|endif)\b/m.test(text);
		await check(['config', 'lint', '--sys', sys, file], text, outside);
		await check(['config', 'diff', empty, file, '--sys', sys], text, false);
	}
	await check(['config', 'lint', bigInput], '(sparse file)', false);
	await check(['config', 'lint', '--sys', sys, bigInput], '(sparse file)', false);
	return { failures, runs };
}

module.exports = { rng, layout, mutate, fuzz, truncations, judge, runCaptured, scratch, fixtures, commands, mutateConfig, fuzzConfigs, configs, fuzzHostileTree, hostileTree };
