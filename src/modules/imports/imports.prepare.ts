import { AppError } from '../../platform/errors.js';
import { openSource, type Source } from './imports.source.js';
import { mappingByName, missingColumns, type IdentityKind, type ImportKind, type Mapping } from './imports.mapping.js';
import { PRESETS, type Preset } from './imports.presets.js';
import type { ImportInput } from './imports.tally.js';
import { isTimeZone } from './imports.values.js';

/** How `member=` values name members when neither --identity nor a preset says. */
export const DEFAULT_IDENTITY: IdentityKind = { kind: 'external', channel: 'import' };

export function presetNamed(name: string): Preset {
  const p = PRESETS[name];
  if (!p) throw new AppError('invalid', 'import.unknown_preset', `No preset "${name}"; the presets are ${Object.keys(PRESETS).join(', ')}`, { field: 'preset' });
  return p;
}

/** The source opened, the preset and the mapping settled and checked against the file's columns. */
export async function prepare(kind: ImportKind, input: ImportInput) {
  const preset = input.preset ? presetNamed(input.preset) : undefined;
  const zone = input.zone ?? preset?.zone ?? 'UTC';
  if (!isTimeZone(zone)) throw new AppError('invalid', 'import.bad_time_zone', `Unknown time zone "${zone}"`, { field: 'time_zone' });
  const source = await openSource(input.file, input.format ?? preset?.format);
  const presetMap = preset ? new Map(Object.entries(kind === 'events' ? preset.events.map : preset.members.map)) : undefined;
  return { preset, zone, source, explicit: input.map ?? presetMap };
}

/** Event columns taken by their name even when a preset or --map gives the mapping and leaves them out. */
const ALSO_BY_NAME = ['channel', 'store_id'];

/**
 * The mapping for a file whose first record has been read (a CSV's header): checked, or made by name. An events
 * mapping that leaves out channel or store_id takes a column of that name if the file has one.
 */
export function settle(kind: ImportKind, source: Source, explicit: Mapping | undefined): Mapping | undefined {
  const columns = source.columns();
  if (!columns) return explicit;
  if (!explicit) {
    const byName = mappingByName(kind, columns);
    if (byName.size === 0) {
      throw new AppError('invalid', 'import.no_mapping', `No column of ${source.file} is named like a Patron field: pass --map or --preset`, { field: 'map' });
    }
    return byName;
  }
  const missing = missingColumns(explicit, columns);
  if (missing.length) {
    throw new AppError('invalid', 'import.unknown_column', `${source.file} has no column ${missing.map((c) => `"${c}"`).join(', ')}; its columns are ${columns.join(', ')}`, {
      field: 'map',
    });
  }
  if (kind === 'events') {
    const more = ALSO_BY_NAME.filter((t) => !explicit.has(t) && columns.includes(t));
    if (more.length) return new Map([...explicit, ...more.map((t) => [t, t] as const)]);
  }
  return explicit;
}
