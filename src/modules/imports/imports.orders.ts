import type { EventRow, LineItem } from './imports.rows.js';

/**
 * Turns event rows into events. A row without line items is one event. Rows with line items are the lines of
 * an order: the rows of one order (same type and order number) make one event, whether they follow each other
 * or not quite (see WINDOW). Returns — rows of type `return`, e.g. the online-retail preset's C… invoices —
 * name no order: they are matched to the same customer's earlier purchases in the file (see `matchReturn`).
 * Everything is decided from the file alone, so the same file always gives the same events and ids.
 */

/** A line of the file that does not become (part of) an event, with why. */
export interface Reject {
  line: number;
  /** The lines of the event it stood for, "12-40", when it is an event that was refused. */
  lines?: string;
  id?: string;
  code: string;
  field?: string;
  message: string;
}

export interface Built {
  event: Record<string, unknown>;
  /** The file's lines the event was made of. */
  lines: number[];
}

export type Emitted = { built: Built } | { skip: { line: number; reason: string } } | { reject: Reject };

/**
 * Orders kept open for lines that come late: an order's lines may be interleaved with up to this many other
 * orders' (the Online Retail file has one invoice split by two lines of another). Lines of an order that
 * arrive later than that become an order of their own, `<order>/2`.
 */
const WINDOW = 16;

interface Group {
  key: string;
  orderId: string;
  rows: EventRow[];
}

/** What each customer bought, per sku, in file order (by order and unit price): what a later return can be matched to. */
type Bought = Map<string, Map<string, { orderId: string; price: number; left: number }[]>>;

export function createAssembler(opts: { idPrefix: string }) {
  const open = new Map<string, Group>();
  /** How many orders of each key have been closed (the next part of a split order is numbered after them). */
  const closed = new Map<string, number>();
  const bought: Bought = new Map();
  const idOf = (type: string, key: string) => `${opts.idPrefix}${type}:${key}`;

  function push(row: EventRow): Emitted[] {
    // A guest's purchase is recorded as a guest purchase, and a refund names its order; anything else of a guest
    // (a return, which is matched by its customer's purchases, or a custom event) has no member to go by.
    if (row.guest && row.type !== 'purchase' && row.type !== 'refund') return [{ skip: { line: row.line, reason: 'guest' } }];
    if (!row.item) return single(row);
    const orderKey = row.order_id ?? row.id;
    if (!orderKey) return [{ reject: reject(row, 'import.missing_value', 'order_id', 'A line item needs an order_id (or id) to join its order') }];
    const key = `${row.type}\u0000${orderKey}`;
    const group = open.get(key);
    if (group) {
      group.rows.push(row);
      return [];
    }
    const parts = closed.get(key) ?? 0;
    open.set(key, { key, orderId: parts === 0 ? orderKey : `${orderKey}/${parts + 1}`, rows: [row] });
    return open.size > WINDOW ? close(open.keys().next().value!) : [];
  }

  /** Closes every open order, oldest first. */
  function end(): Emitted[] {
    const out: Emitted[] = [];
    for (const key of [...open.keys()]) out.push(...close(key));
    return out;
  }

  function close(key: string): Emitted[] {
    const g = open.get(key)!;
    open.delete(key);
    closed.set(key, (closed.get(key) ?? 0) + 1);
    const first = g.rows[0]!;
    const out: Emitted[] = [];
    const rows: EventRow[] = [];
    for (const r of g.rows) {
      if (r.memberKey !== first.memberKey) out.push({ reject: reject(r, 'import.order_member_mismatch', 'member', `Order ${g.orderId} names another member on line ${first.line}`) });
      else rows.push(r);
    }
    if (first.type === 'return') out.push(...matchReturn(g.orderId, first, rows));
    else if (first.type === 'purchase') out.push(...purchase(g.orderId, first, rows));
    else if (first.type === 'refund') out.push(...refund(g.orderId, first, rows));
    else for (const r of rows) out.push({ reject: reject(r, 'import.line_items_not_allowed', 'sku', `A ${r.type} event has no line items`) });
    return out;
  }

  function purchase(orderId: string, first: EventRow, rows: EventRow[]): Emitted[] {
    const out: Emitted[] = [];
    const lines: LineItem[] = [];
    const used: number[] = [];
    for (const r of rows) {
      const item = r.item!;
      if (item.quantity <= 0) {
        out.push({ reject: reject(r, 'import.invalid_quantity', 'quantity', `Quantity ${item.quantity} on a purchase line: a purchase line needs at least 1`) });
      } else if (item.unit_price < 0) {
        out.push({ reject: reject(r, 'import.negative_price', 'unit_price', 'A purchase line cannot have a negative price') });
      } else {
        lines.push(item);
        used.push(r.line);
      }
    }
    if (lines.length === 0) return out;
    const event = common(first, first.id ?? idOf('purchase', orderId), orderId);
    event.currency = first.currency;
    if (first.amount !== undefined) event.amount = first.amount;
    event.lines = lines;
    remember(first.memberKey, orderId, lines);
    out.unshift({ built: { event, lines: used } });
    return out;
  }

  function remember(memberKey: string | undefined, orderId: string, lines: readonly LineItem[]) {
    if (!memberKey) return;
    let bySku = bought.get(memberKey);
    if (!bySku) bought.set(memberKey, (bySku = new Map()));
    for (const l of lines) {
      let list = bySku.get(l.sku);
      if (!list) bySku.set(l.sku, (list = []));
      const same = list.find((p) => p.orderId === orderId && p.price === l.unit_price);
      if (same) same.left += l.quantity;
      else list.push({ orderId, price: l.unit_price, left: l.quantity });
    }
  }

  /** A refund that names its order: its rows are the lines refunded. */
  function refund(orderId: string, first: EventRow, rows: EventRow[]): Emitted[] {
    const event = common(first, first.id ?? idOf('refund', `${orderId}:${first.line}`), orderId);
    event.lines = rows.map((r) => ({ sku: r.item!.sku, quantity: Math.abs(r.item!.quantity) }));
    return [{ built: { event, lines: rows.map((r) => r.line) } }];
  }

  /**
   * A return names no order: each returned line is matched to the customer's earlier purchases of the same
   * sku in this file, taking what they have not had returned yet: first the purchases at the returned line's
   * unit price (the price it was sold at), most recent first, then any other, most recent first. One refund
   * event per original order, with an id made of the return's number and the order's. Units that no earlier
   * purchase covers are rejected.
   */
  function matchReturn(returnId: string, first: EventRow, rows: EventRow[]): Emitted[] {
    const out: Emitted[] = [];
    const byOrder = new Map<string, { lines: Map<string, number>; rows: Set<number> }>();
    const bySku = first.memberKey ? bought.get(first.memberKey) : undefined;
    for (const r of rows) {
      const want = Math.abs(r.item!.quantity);
      if (want === 0) {
        out.push({ reject: reject(r, 'import.invalid_quantity', 'quantity', 'A returned line needs a quantity') });
        continue;
      }
      let left = want;
      const list = bySku?.get(r.item!.sku) ?? [];
      const newest = [...list].reverse();
      const price = r.item!.unit_price;
      for (const p of [...newest.filter((x) => x.price === price), ...newest.filter((x) => x.price !== price)]) {
        if (left === 0) break;
        const take = Math.min(left, p.left);
        if (take === 0) continue;
        p.left -= take;
        left -= take;
        let o = byOrder.get(p.orderId);
        if (!o) byOrder.set(p.orderId, (o = { lines: new Map(), rows: new Set() }));
        o.lines.set(r.item!.sku, (o.lines.get(r.item!.sku) ?? 0) + take);
        o.rows.add(r.line);
      }
      if (left > 0) {
        const matched = want - left;
        out.push({
          reject: reject(
            r,
            'import.return_unmatched',
            'quantity',
            `Return ${returnId}: ${left} of ${want} returned units of ${r.item!.sku} match no earlier purchase by this customer in the file` +
              (matched ? ` (${matched} matched)` : ''),
          ),
        });
      }
    }
    const built: Emitted[] = [...byOrder].map(([orderId, o]) => {
      const event = common(first, idOf('return', `${returnId}:${orderId}`), orderId);
      event.type = 'refund';
      event.lines = [...o.lines].map(([sku, quantity]) => ({ sku, quantity }));
      event.reason = first.reason ?? `return ${returnId}`;
      return { built: { event, lines: [...o.rows] } };
    });
    return [...built, ...out];
  }

  /** A row that is a whole event (no line items). */
  function single(row: EventRow): Emitted[] {
    const id = row.id ?? (row.order_id && row.type === 'purchase' ? idOf('purchase', row.order_id) : undefined);
    if (!id) return [{ reject: reject(row, 'import.missing_value', 'id', 'The event has no id: map an id column (imports are idempotent by event id)') }];
    if (row.type === 'return') return [{ reject: reject(row, 'import.line_items_required', 'sku', 'A return is matched by sku: map sku and quantity') }];
    const event = common(row, id, row.order_id);
    if (row.type === 'purchase') event.currency = row.currency;
    if (row.amount !== undefined) event.amount = row.amount;
    return [{ built: { event, lines: [row.line] } }];
  }

  function common(row: EventRow, id: string, orderId: string | undefined): Record<string, unknown> {
    const e: Record<string, unknown> = { type: row.type, id };
    if (row.member && row.type !== 'refund' && row.type !== 'return') e.member = row.member;
    if (row.guest && row.type === 'purchase') e.guest = true;
    if (orderId !== undefined && (row.type === 'purchase' || row.type === 'refund' || row.type === 'return')) e.order_id = orderId;
    if (row.channel) e.channel = row.channel;
    if (row.store_id && row.type === 'purchase') e.store_id = row.store_id;
    if (row.reason && row.type === 'refund') e.reason = row.reason;
    if (row.occurred_at) e.occurred_at = row.occurred_at;
    if (row.properties) e.properties = row.properties;
    return e;
  }

  return { push, end };
}

function reject(row: EventRow, code: string, field: string, message: string): Reject {
  return { line: row.line, ...(row.id ? { id: row.id } : {}), code, field, message };
}
