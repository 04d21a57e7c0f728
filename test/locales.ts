import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The console's texts as the browser gets them: each language's area files (locales/<locale>/*.json) merged.

export const LOCALES_DIR = join(import.meta.dirname, '..', 'web', 'packages', 'i18n', 'locales');
export type Messages = { [k: string]: string | Messages };

/** The area files of a language, by file name. */
export function localeFiles(locale: string): Map<string, Messages> {
  const dir = join(LOCALES_DIR, locale);
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Messages]),
  );
}

/** Every text of a language as `a.b.c` → message, and the keys defined in more than one of its files. */
export function flatMessages(locale: string): { messages: Map<string, string>; duplicates: string[] } {
  const messages = new Map<string, string>();
  const duplicates: string[] = [];
  const walk = (file: string, m: Messages, prefix: string) => {
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') {
        if (messages.has(prefix + k)) duplicates.push(`${file}: ${prefix + k}`);
        messages.set(prefix + k, v);
      } else walk(file, v, `${prefix}${k}.`);
    }
  };
  for (const [file, m] of localeFiles(locale)) walk(file, m, '');
  return { messages, duplicates };
}

/** A language's texts as one nested object. */
export function messagesOf(locale: string): Messages {
  const out: Messages = {};
  for (const [key, message] of flatMessages(locale).messages) {
    const parts = key.split('.');
    let at = out;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Messages;
    at[parts.at(-1)!] = message;
  }
  return out;
}

export const LOCALES = readdirSync(LOCALES_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
