import i18next from 'i18next';
import ICU from 'i18next-icu';
import { initReactI18next, useTranslation } from 'react-i18next';

export const LOCALES = ['en', 'zh-Hans', 'zh-Hant', 'ru'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language named in itself, for the switcher. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-Hans': '简体中文', 'zh-Hant': '繁體中文', ru: 'Русский' };

const STORAGE_KEY = 'patron.locale';

export const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

/** The saved choice, else the browser's first language we speak, else English. */
export function initialLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (isLocale(saved)) return saved;
  for (const lang of globalThis.navigator?.languages ?? []) {
    const l = lang.toLowerCase();
    if (l.startsWith('zh')) return /hant|tw|hk|mo/.test(l) ? 'zh-Hant' : 'zh-Hans';
    if (l.startsWith('ru')) return 'ru';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

type Messages = { [key: string]: string | Messages };

/**
 * Each language's texts are split by area (`locales/<locale>/<area>.json`: core, rules, segments…) so screens
 * can be added without touching each other's files; the files of a language merge into one bundle.
 */
export function mergeMessages(files: Messages[]): Messages {
  const into = (target: Messages, source: Messages) => {
    for (const [k, v] of Object.entries(source)) {
      const have = target[k];
      if (typeof v === 'object' && typeof have === 'object') into(have, v);
      else target[k] = typeof v === 'object' ? into({}, v) : v;
    }
    return target;
  };
  return files.reduce<Messages>((acc, f) => into(acc, f), {});
}

// English is built in (it is the fallback); another language is fetched when first chosen.
const en = mergeMessages(Object.values(import.meta.glob<Messages>('./locales/en/*.json', { eager: true, import: 'default' })));
const LAZY = import.meta.glob<Messages>(['./locales/*/*.json', '!./locales/en/*.json'], { import: 'default' });

async function ensureLoaded(locale: Locale): Promise<void> {
  if (locale === 'en' || i18next.hasResourceBundle(locale, 'translation')) return;
  const files = Object.entries(LAZY).filter(([path]) => path.startsWith(`./locales/${locale}/`));
  const messages = mergeMessages(await Promise.all(files.map(([, load]) => load())));
  i18next.addResourceBundle(locale, 'translation', messages);
}

export async function initI18n(locale: Locale = initialLocale()) {
  await i18next
    .use(ICU)
    .use(initReactI18next)
    .init({
      lng: locale,
      fallbackLng: 'en',
      supportedLngs: [...LOCALES],
      resources: { en: { translation: en } },
      partialBundledLanguages: true,
      interpolation: { escapeValue: false },
      returnNull: false,
    });
  await ensureLoaded(locale).catch(() => undefined);
  await i18next.changeLanguage(locale);
  document.documentElement.lang = locale;
  return i18next;
}

/** Switches the language now and remembers it in this browser. */
export async function changeLocale(locale: Locale): Promise<void> {
  globalThis.localStorage?.setItem(STORAGE_KEY, locale);
  await ensureLoaded(locale);
  document.documentElement.lang = locale;
  await i18next.changeLanguage(locale);
}

export function currentLocale(): Locale {
  return isLocale(i18next.language) ? i18next.language : 'en';
}

/** The one Intl helper: numbers, percentages, money in minor units, dates — all in the chosen language. */
export function formatters(locale: Locale) {
  const number = new Intl.NumberFormat(locale);
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const month = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const moneyCache = new Map<string, Intl.NumberFormat>();
  const money = (currency: string) => {
    let f = moneyCache.get(currency);
    if (!f) {
      f = new Intl.NumberFormat(locale, { style: 'currency', currency });
      moneyCache.set(currency, f);
    }
    return f;
  };
  return {
    number: (n: number | null | undefined) => (n == null ? '—' : number.format(n)),
    percent: (r: number | null | undefined) => (r == null ? '—' : percent.format(r)),
    /** An amount in minor units (pence, cents, fen) of its currency. */
    money: (minor: number | null | undefined, currency: string) => {
      if (minor == null) return '—';
      const f = money(currency);
      const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
      return f.format(minor / 10 ** digits);
    },
    date: (iso: string | null | undefined) => (iso ? date.format(new Date(iso)) : '—'),
    dateTime: (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—'),
    /** A calendar day or month of the analytics (UTC). */
    day: (iso: string) => day.format(new Date(iso)),
    month: (iso: string) => month.format(new Date(iso)),
  };
}
export type Formatters = ReturnType<typeof formatters>;

/** The translation function and the formatters of the current language. */
export function useI18n() {
  const { t, i18n } = useTranslation();
  const locale = isLocale(i18n.language) ? i18n.language : 'en';
  return { t, locale, fmt: formatters(locale) };
}
