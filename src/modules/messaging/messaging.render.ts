import { Liquid, type Template as LiquidTemplate } from 'liquidjs';
import mjml2html from 'mjml';
import { invalid } from '../../platform/errors.js';
import { LOCALES, type Channel, type Locale, type Rendered, type Variant, type Variants } from './messaging.contract.js';

/** A variant as stored: what was given, plus the MJML compiled to HTML (liquid still inside). */
export type StoredVariant = Variant & { html?: string };
export type StoredVariants = Partial<Record<Locale, StoredVariant>>;

/** How the filters format: the member's locale and the program's currency. */
interface Format {
  locale: Locale;
  currency: string;
}

const FORMAT = '__patron_format';

function formatOf(ctx: { getSync(paths: PropertyKey[]): unknown }): Format {
  const f = ctx.getSync([FORMAT]) as Format | undefined;
  return f ?? { locale: 'en', currency: 'USD' };
}

const toNumber = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);

/** Minor units of a currency → its major unit, exactly as many decimals as the currency has. */
function money(v: unknown, f: Format, currency?: unknown): string {
  const n = toNumber(v);
  if (!Number.isFinite(n)) return '';
  const code = typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : f.currency;
  const fmt = new Intl.NumberFormat(f.locale, { style: 'currency', currency: code });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(n / 10 ** digits);
}

const points = (v: unknown, f: Format) => {
  const n = toNumber(v);
  return Number.isFinite(n) ? new Intl.NumberFormat(f.locale, { maximumFractionDigits: 0 }).format(n) : '';
};

const date = (v: unknown, f: Format) => {
  const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : null;
  return d && !Number.isNaN(d.getTime()) ? new Intl.DateTimeFormat(f.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(d) : '';
};

/**
 * Two engines: HTML output escapes every value (a member named `<b>` stays text), text output does not.
 * Variables that do not exist render as nothing (strictVariables off); unknown filters are errors. No file is
 * ever read (`templates: {}`), and a render is bounded in time and memory, since staff write the templates.
 */
function engine(escape: boolean): Liquid {
  const e = new Liquid({
    strictVariables: false,
    strictFilters: true,
    ownPropertyOnly: true,
    templates: {},
    outputEscape: escape ? 'escape' : undefined,
    parseLimit: 1_000_000,
    renderLimit: 2_000,
    memoryLimit: 20_000_000,
  });
  e.registerFilter('money', function (this: { context: { getSync(p: PropertyKey[]): unknown } }, v: unknown, currency?: unknown) {
    return money(v, formatOf(this.context), currency);
  });
  e.registerFilter('points', function (this: { context: { getSync(p: PropertyKey[]): unknown } }, v: unknown) {
    return points(v, formatOf(this.context));
  });
  e.registerFilter('local_date', function (this: { context: { getSync(p: PropertyKey[]): unknown } }, v: unknown) {
    return date(v, formatOf(this.context));
  });
  return e;
}

const htmlEngine = engine(true);
const textEngine = engine(false);

/** Parsed templates by source: a template is parsed once per process, not once per message. */
const parsed = new Map<string, LiquidTemplate[]>();
function parse(e: Liquid, source: string): LiquidTemplate[] {
  const k = `${e === htmlEngine ? 'h' : 't'}${source}`;
  let t = parsed.get(k);
  if (!t) {
    t = e.parse(source);
    if (parsed.size > 2000) parsed.clear();
    parsed.set(k, t);
  }
  return t;
}

const REQUIRED: Record<Channel, (keyof Variant)[]> = {
  email: ['subject', 'mjml'],
  sms: ['text'],
  push: ['title', 'text'],
  wechat: ['text'],
};
const ALLOWED: Record<Channel, (keyof Variant)[]> = {
  email: ['subject', 'mjml', 'text'],
  sms: ['text'],
  push: ['title', 'text', 'url'],
  wechat: ['text'],
};

function checkLiquid(e: Liquid, source: string, field: string) {
  try {
    e.parse(source);
  } catch (err) {
    throw invalid('template.invalid_liquid', `${field}: ${(err as Error).message.split('\n')[0]}`, field);
  }
}

/**
 * Checks a template's variants and compiles their MJML: every field must parse as liquid, an email body must be
 * valid MJML, the channel's fields must be there, and the default locale must have a variant. Errors are 400s
 * naming the field (`variants.zh-Hans.subject`).
 */
export async function compileVariants(channel: Channel, defaultLocale: Locale, variants: Variants): Promise<StoredVariants> {
  if (!variants[defaultLocale]) throw invalid('template.missing_default', `The default locale ${defaultLocale} needs a variant`, `variants.${defaultLocale}`);
  const out: StoredVariants = {};
  for (const locale of LOCALES) {
    const v = variants[locale];
    if (!v) continue;
    const at = `variants.${locale}`;
    for (const k of Object.keys(v) as (keyof Variant)[]) {
      if (!ALLOWED[channel].includes(k)) throw invalid('template.field_not_allowed', `A ${channel} template has no ${k}`, `${at}.${k}`);
    }
    for (const k of REQUIRED[channel]) {
      if (!v[k]) throw invalid('template.missing_field', `A ${channel} variant needs ${k}`, `${at}.${k}`);
    }
    for (const k of ['subject', 'title', 'text', 'url'] as const) if (v[k]) checkLiquid(textEngine, v[k], `${at}.${k}`);
    const stored: StoredVariant = { ...v };
    if (v.mjml) {
      checkLiquid(htmlEngine, v.mjml, `${at}.mjml`);
      let result: Awaited<ReturnType<typeof mjml2html>>;
      try {
        // ignoreIncludes: mj-include would read files of the server.
        result = await mjml2html(v.mjml, { validationLevel: 'soft', ignoreIncludes: true, keepComments: false });
      } catch (err) {
        throw invalid('template.invalid_mjml', `${at}.mjml: ${(err as Error).message.split('\n')[0]}`, `${at}.mjml`);
      }
      const first = result.errors[0];
      if (first) throw invalid('template.invalid_mjml', `${at}.mjml line ${first.line}: ${first.message}`, `${at}.mjml`);
      if (!/<mjml[\s>]/.test(v.mjml)) throw invalid('template.invalid_mjml', `${at}.mjml must be an <mjml> document`, `${at}.mjml`);
      checkLiquid(htmlEngine, result.html, `${at}.mjml`);
      stored.html = result.html;
    }
    out[locale] = stored;
  }
  return out;
}

/** The template locale for a member's BCP 47 tag (en-GB → en, zh-TW → zh-Hant, zh-CN → zh-Hans), else null. */
export function localeFor(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  try {
    const l = new Intl.Locale(tag).maximize();
    if (l.language === 'zh') return l.script === 'Hant' ? 'zh-Hant' : 'zh-Hans';
    if (l.language === 'ru') return 'ru';
    if (l.language === 'en') return 'en';
  } catch {
    /* not a tag */
  }
  return null;
}

/** The variant to use: the asked locale's if it has one, else the default's. */
export function pickVariant(variants: StoredVariants, defaultLocale: Locale, want: Locale | null): { locale: Locale; variant: StoredVariant } {
  if (want && variants[want]) return { locale: want, variant: variants[want] };
  return { locale: defaultLocale, variant: variants[defaultLocale] ?? {} };
}

async function run(e: Liquid, source: string | undefined, scope: object): Promise<string | null> {
  if (source === undefined) return null;
  return String(await e.render(parse(e, source), scope));
}

/** Renders one variant with the variables; the filters format for `locale` and the program's currency. */
export async function renderVariant(
  channel: Channel,
  picked: { locale: Locale; variant: StoredVariant },
  vars: Record<string, unknown>,
  currency: string,
): Promise<Rendered> {
  const { locale, variant } = picked;
  const scope = { ...vars, [FORMAT]: { locale, currency } satisfies Format };
  const html = channel === 'email' ? await run(htmlEngine, variant.html, scope) : null;
  const own = await run(textEngine, variant.text, scope);
  return {
    locale,
    subject: channel === 'email' ? oneLine(await run(textEngine, variant.subject, scope)) : null,
    html,
    text: own ?? (html ? htmlToText(html) : null),
    title: channel === 'push' ? await run(textEngine, variant.title, scope) : null,
    url: channel === 'push' ? await run(textEngine, variant.url, scope) : null,
  };
}

/** A header may not break lines: a subject is one line, whatever the template made of it. */
const oneLine = (s: string | null) => (s === null ? null : s.replace(/\s+/g, ' ').trim());

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/**
 * The plain-text part of an HTML email: the text of the body, links as "text (url)", blocks on lines of their
 * own. Good enough for the mail clients that show text only; a template can give its own `text`.
 */
export function htmlToText(html: string): string {
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  return body
    .replace(/<(style|script|head|title)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_m, href: string, text: string) => {
      const t = text.replace(/<[^>]+>/g, '').trim();
      return t && t !== href ? `${t} (${href})` : href;
    })
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|h[1-6]|li|table|td)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (m, e: string) => {
      if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
      if (e.startsWith('#') && e !== '#39') return String.fromCodePoint(Number(e.slice(1)));
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== ''))
    .join('\n')
    .trim();
}
