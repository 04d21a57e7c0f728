// The console's texts: every locale has exactly the keys of English, every ICU message parses, and no
// component shows a hard-coded text (a JSX text node or a label-like attribute that is not a t(...) call).
import { readdirSync, readFileSync } from 'node:fs';
import { flatMessages, localeFiles, LOCALES } from './locales.js';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const WEB = join(import.meta.dirname, '..', 'web');

const en = flatMessages('en').messages;
const others = LOCALES.filter((l) => l !== 'en');

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
  it.each(['en', ...others])('%s defines each key once, in the same area file as English', (locale) => {
    expect(flatMessages(locale).duplicates).toEqual([]);
    expect([...localeFiles(locale).keys()]).toEqual([...localeFiles('en').keys()]);
  });

  it.each(others)('%s has exactly the keys of English', (locale) => {
    const keys = [...flatMessages(locale).messages.keys()].sort();
    const missing = [...en.keys()].filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !en.has(k));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it.each(['en', ...others])('every %s message is valid ICU', (locale) => {
    const bad: string[] = [];
    for (const [key, message] of flatMessages(locale).messages) {
      try {
        new IntlMessageFormat(message, locale);
      } catch (err) {
        bad.push(`${key}: ${(err as Error).message}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every key the code names exists in English', () => {
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
