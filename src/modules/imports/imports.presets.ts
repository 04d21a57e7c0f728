import type { Format } from './imports.source.js';
import type { IdentityKind } from './imports.mapping.js';
import { idText } from './imports.values.js';

/**
 * Named mappings for data sets people bring often. A preset is a mapping plus the options that go with it
 * (identity, time zone, currency, how returns are told), so `--preset NAME` is all it takes.
 */

export interface Preset {
  name: string;
  description: string;
  format: Format;
  /** The currency of its prices; the program must be in it. */
  currency: string;
  identity: IdentityKind;
  zone: string;
  memberText: (raw: unknown) => string;
  events: {
    map: Record<string, string>;
    type: string;
    channel?: string;
    /** Orders whose number starts with this are returns, matched to earlier purchases. */
    returnPrefix?: string;
    idPrefix: string;
    /**
     * The member's country from an event property: `property` names it, `code` turns the file's value into an
     * ISO 3166-1 alpha-2 code (null: no country). It fills the profile of members whose country is unknown.
     */
    memberCountry?: { property: string; code: (value: string) => string | null };
  };
  members: {
    map: Record<string, string>;
    /** The file has a row per order line, not per member: only a member's first row counts. */
    oncePerMember: boolean;
  };
}

/**
 * The Online Retail data set's country names as ISO 3166-1 alpha-2 codes. "Unspecified", "European Community"
 * and "Channel Islands" (Jersey or Guernsey, which the data does not tell apart) name no one country.
 */
const ONLINE_RETAIL_COUNTRIES: Readonly<Record<string, string | null>> = {
  'United Kingdom': 'GB',
  EIRE: 'IE',
  Germany: 'DE',
  France: 'FR',
  Spain: 'ES',
  Netherlands: 'NL',
  Belgium: 'BE',
  Switzerland: 'CH',
  Portugal: 'PT',
  Australia: 'AU',
  Norway: 'NO',
  Italy: 'IT',
  'Channel Islands': null,
  Finland: 'FI',
  Cyprus: 'CY',
  Sweden: 'SE',
  Unspecified: null,
  Austria: 'AT',
  Denmark: 'DK',
  Japan: 'JP',
  Poland: 'PL',
  Israel: 'IL',
  USA: 'US',
  'Hong Kong': 'HK',
  Singapore: 'SG',
  Iceland: 'IS',
  Canada: 'CA',
  Greece: 'GR',
  Malta: 'MT',
  'United Arab Emirates': 'AE',
  'European Community': null,
  RSA: 'ZA',
  Lebanon: 'LB',
  Lithuania: 'LT',
  Brazil: 'BR',
  'Czech Republic': 'CZ',
  Bahrain: 'BH',
  'Saudi Arabia': 'SA',
};

/** A country of the Online Retail file as its code; a name it does not know is no country, not an error. */
export function onlineRetailCountry(name: string): string | null {
  return ONLINE_RETAIL_COUNTRIES[name.trim()] ?? null;
}

/**
 * The UCI "Online Retail" data set (a UK online shop's invoices, Dec 2010 – Dec 2011): one row per invoice
 * line, `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country`, prices in GBP,
 * dates in UK local time. Invoices whose number starts with C are returns. Customers are named by their
 * shop customer id as the external id `online-retail:<CustomerID>`.
 */
const onlineRetail: Preset = {
  name: 'online-retail',
  description: 'UCI Online Retail (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country)',
  format: 'csv',
  currency: 'GBP',
  identity: { kind: 'external', channel: 'online-retail' },
  zone: 'Europe/London',
  memberText: idText,
  events: {
    map: {
      order_id: 'InvoiceNo',
      sku: 'StockCode',
      name: 'Description',
      quantity: 'Quantity',
      occurred_at: 'InvoiceDate',
      unit_price: 'UnitPrice',
      member: 'CustomerID',
      'properties.country': 'Country',
    },
    type: 'purchase',
    channel: 'web',
    returnPrefix: 'C',
    idPrefix: 'online-retail:',
    memberCountry: { property: 'country', code: onlineRetailCountry },
  },
  members: {
    map: { member: 'CustomerID', enrolled_at: 'InvoiceDate', 'attributes.country': 'Country' },
    oncePerMember: true,
  },
};

export const PRESETS: Readonly<Record<string, Preset>> = { [onlineRetail.name]: onlineRetail };
