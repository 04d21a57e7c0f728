// The console's texts: every locale has exactly the keys of English, every ICU message parses, and no
// component shows a hard-coded text (a JSX text node or a label-like attribute that is not a t(...) call).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const WEB = join(import.meta.dirname, '..', 'web');
const LOCALES_DIR = join(WEB, 'packages', 'i18n', 'locales');
type Messages = { [k: string]: string | Messages };

const load = (name: string) => JSON.parse(readFileSync(join(LOCALES_DIR, `${name}.json`), 'utf8')) as Messages;
const flatten = (m: Messages, prefix = ''): Map<string, string> =>
  new Map(Object.entries(m).flatMap(([k, v]) => (typeof v === 'string' ? [[prefix + k, v] as const] : [...flatten(v, `${prefix}${k}.`)])));

const en = flatten(load('en'));
const others = readdirSync(LOCALES_DIR).filter((f) => f.endsWith('.json') && f !== 'en.json').map((f) => f.replace(/\.json$/, ''));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}
const UI_FILES = [...sourceFiles(join(WEB, 'apps')), ...sourceFiles(join(WEB, 'packages', 'ui'))];

/** Attributes a user reads or hears; a literal with letters in one of them is a hard-coded text. */
const TEXT_ATTRIBUTES = new Set(['aria-label', 'title', 'placeholder', 'alt', 'label', 'previousLabel', 'nextLabel', 'closeLabel', 'retryLabel', 'intro', 'hint', 'message']);
const LETTERS = /\p{L}/u;

function hardCoded(file: string, text = readFileSync(file, 'utf8')): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const at = (n: ts.Node) => `${file.slice(WEB.length + 1)}:${src.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const visit = (n: ts.Node) => {
    if (ts.isJsxText(n) && LETTERS.test(n.text)) found.push(`${at(n)} text "${n.text.trim()}"`);
    if (ts.isJsxAttribute(n) && TEXT_ATTRIBUTES.has(n.name.getText(src)) && n.initializer) {
      const init = n.initializer;
      const literal = ts.isStringLiteral(init) ? init : ts.isJsxExpression(init) && init.expression && ts.isStringLiteralLike(init.expression) ? init.expression : null;
      if (literal && LETTERS.test(literal.text)) found.push(`${at(n)} ${n.name.getText(src)}="${literal.text}"`);
    }
    if (ts.isJsxExpression(n) && n.expression && ts.isStringLiteralLike(n.expression) && ts.isJsxElement(n.parent) && LETTERS.test(n.expression.text)) {
      found.push(`${at(n)} text {"${n.expression.text}"}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

/** The keys the code names literally: t('a.b') — a key built at run time (t(`status.${s}`)) is checked by its prefix. */
function usedKeys(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\bt\(\s*'([A-Za-z0-9_.]+)'/g)].map((m) => m[1]!);
}

describe('console translations', () => {
  it.each(others)('%s has exactly the keys of en.json', (locale) => {
    const keys = [...flatten(load(locale)).keys()].sort();
    const missing = [...en.keys()].filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !en.has(k));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it.each(['en', ...others])('every %s message is valid ICU', (locale) => {
    const bad: string[] = [];
    for (const [key, message] of flatten(load(locale))) {
      try {
        new IntlMessageFormat(message, locale);
      } catch (err) {
        bad.push(`${key}: ${(err as Error).message}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every key the code names exists in en.json', () => {
    const unknown = UI_FILES.flatMap((f) => usedKeys(f).filter((k) => !en.has(k)).map((k) => `${f.slice(WEB.length + 1)}: ${k}`));
    expect(unknown).toEqual([]);
  });

  it('no component shows a hard-coded text', () => {
    expect(UI_FILES.length).toBeGreaterThan(10);
    expect(UI_FILES.flatMap((f) => hardCoded(f))).toEqual([]);
  });

  it('the check finds a hard-coded text when there is one', () => {
    const probe = `${WEB}/probe.tsx`;
    expect(hardCoded(probe, 'const a = <p aria-label="Close">Hello {t("x")}</p>;')).toHaveLength(2);
    expect(hardCoded(probe, 'const a = <p aria-label={t("x")}>{t("y")} · {n}</p>;')).toEqual([]);
  });
});
