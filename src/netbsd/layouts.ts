/**
 * NetBSD autoconf structures as field lists (data only); offsets come from defineStruct under the
 * target's data model. Source: NetBSD sys/sys/device.h.
 */
import { type Alignment, defineStruct, naturalAlignment, type StructLayout } from '../bytes/struct';
import type { DataModel } from '../bytes/view';

/** The two on-disk shapes of `struct cfdata`. */
export type CfdataVariant = 'bitfield' | 'short';

/**
 * `struct cfdata`: device.h rev 1.183 and later (NetBSD >= 10) declare `unsigned int cf_unit:24;
 * unsigned char cf_fstate;`, rev 1.147 and earlier (NetBSD <= 9) `short cf_unit; short cf_fstate;`.
 */
export const CFDATA_FIELDS = {
  bitfield: ['name:ptr', 'atname:ptr', 'unit:u24', 'fstate:u8', 'loc:ptr', 'flags:i32', 'pspec:ptr'],
  short: ['name:ptr', 'atname:ptr', 'unit:i16', 'fstate:i16', 'loc:ptr', 'flags:i32', 'pspec:ptr'],
} as const satisfies Record<CfdataVariant, readonly string[]>;

/** The layout of `struct cfdata` in either variant (the fields are the same; unit and fstate differ in kind). */
export type CfdataLayout = StructLayout<(typeof CFDATA_FIELDS)[CfdataVariant][number]>;

/** Which NetBSD releases use each variant, for messages. */
export const CFDATA_ERA: Readonly<Record<CfdataVariant, string>> = {
  bitfield: 'NetBSD >= 10 (cf_unit:24, u8 cf_fstate)',
  short: 'NetBSD <= 9 (short cf_unit, short cf_fstate)',
};

/** `struct cfparent { const char *cfp_iattr; const char *cfp_parent; int cfp_unit; }`. */
export const CFPARENT_FIELDS = ['iattr:ptr', 'parent:ptr', 'unit:i32'] as const;

/** `struct cfdriver`: LIST_ENTRY (2 ptrs), LIST_HEAD (1 ptr), cd_devs, cd_name, enum cd_class, int cd_ndevs, cd_attrs. */
export const CFDRIVER_FIELDS = ['next:ptr', 'prev:ptr', 'attach:ptr', 'devs:ptr', 'name:ptr', 'class:u32', 'ndevs:i32', 'attrs:ptr'] as const;

/** `struct cfiattrdata { const char *ci_name; int ci_loclen; const struct cflocdesc ci_locdesc[]; }` (header part). */
export const CFIATTRDATA_FIELDS = ['name:ptr', 'loclen:i32'] as const;

/** `struct cflocdesc { const char *cld_name; const char *cld_defaultstr; int cld_default; }`. */
export const CFLOCDESC_FIELDS = ['name:ptr', 'defaultstr:ptr', 'default:i32'] as const;

/** All autoconf layouts for one data model. */
export interface AutoconfLayouts {
  readonly cfdata: Readonly<Record<CfdataVariant, CfdataLayout>>;
  readonly cfparent: StructLayout<(typeof CFPARENT_FIELDS)[number]>;
  readonly cfdriver: StructLayout<(typeof CFDRIVER_FIELDS)[number]>;
  readonly cfiattrdata: StructLayout<(typeof CFIATTRDATA_FIELDS)[number]>;
  readonly cflocdesc: StructLayout<(typeof CFLOCDESC_FIELDS)[number]>;
  /** Offset of ci_locdesc[0] inside struct cfiattrdata (the flexible array's alignment). */
  readonly locdescStart: number;
}

/** Computes every autoconf layout for `model` under the ABI's alignment `rules` (natural when not given). */
export function autoconfLayouts(model: DataModel, rules: Alignment = naturalAlignment(model)): AutoconfLayouts {
  const cfiattrdata = defineStruct(CFIATTRDATA_FIELDS, model, rules);
  const cflocdesc = defineStruct(CFLOCDESC_FIELDS, model, rules);
  return {
    cfdata: {
      bitfield: defineStruct(CFDATA_FIELDS.bitfield, model, rules),
      short: defineStruct(CFDATA_FIELDS.short, model, rules),
    },
    cfparent: defineStruct(CFPARENT_FIELDS, model, rules),
    cfdriver: defineStruct(CFDRIVER_FIELDS, model, rules),
    cfiattrdata,
    cflocdesc,
    locdescStart: Math.ceil((cfiattrdata.fields.loclen.offset + 4) / cflocdesc.align) * cflocdesc.align,
  };
}
