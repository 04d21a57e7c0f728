import { monotonicFactory } from 'ulid';

/** Prefixed, time-sortable ids (`mbr_01J…`): the prefix says what it is, the ULID sorts by creation. */
export type IdPrefix = 'wsp' | 'prg' | 'key' | 'mbr' | 'txn' | 'hld' | 'evt' | 'lot' | 'acc' | 'rwd' | 'rdm' | 'cpn' | 'tir' | 'tch' | 'rul' | 'ref' | 'seg' | 'job' | 'stf' | 'ses' | 'aud' | 'imp' | 'erf' | 'jrn' | 'jrr' | 'tpl' | 'msg';

export interface Ids {
  next(prefix: IdPrefix): string;
}

export function createIds(): Ids {
  const ulid = monotonicFactory();
  return { next: (prefix) => `${prefix}_${ulid().toLowerCase()}` };
}
