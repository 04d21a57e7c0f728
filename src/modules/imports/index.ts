export { createImportsService, presetNamed, type ImportsService, type ImportSummary, type ImportProgress, type EventsImportInput } from './imports.service.js';
export { parseMapSpec, parseIdentity, describeIdentity, type Mapping, type IdentityKind, type ImportKind } from './imports.mapping.js';
export { PRESETS, type Preset } from './imports.presets.js';
export { formatOfName, type Format } from './imports.source.js';
export { createImportUploads, UPLOAD_LIMIT_BYTES, type ImportUploads } from './imports.uploads.js';
export { importsRoutes } from './imports.routes.js';
