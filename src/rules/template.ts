import {
  DATE_NAMES,
  SIGNAL_NAMES,
  WINDOW_NAMES,
  closestName,
  isSignalName,
  type DateName,
  type SignalName,
  type WindowName,
} from './signal-catalogue';

/**
 * Message templates: plain text with `{name}` placeholders naming a signal or a window length, and
 * `{name|one|many}` to state a count with its noun ("1 customer yes", "3 customer yeses"), or a date
 * of DATE_NAMES, written as "24 Oct 2026".
 * Compiled once into parts, so rendering is a join, not a regex per deal.
 */

type Part =
  string | { signal: SignalName; one?: string; many?: string } | { window: WindowName } | { date: DateName };

/** Epoch milliseconds (UTC) of each date a sentence may name; null when the deal has none. */
export type TemplateDates = Readonly<Record<DateName, number | null>>;

export interface CompiledTemplate {
  /** Signals the sentence states; they go into the flag's evidence. */
  signals: SignalName[];
  render(
    signals: Readonly<Record<string, unknown>>,
    windows: Readonly<Record<WindowName, number>>,
    dates?: TemplateDates,
  ): string;
}

export function compileTemplate(text: string, problems: string[]): CompiledTemplate {
  const parts: Part[] = [];
  const signals: SignalName[] = [];
  let last = 0;
  for (const match of text.matchAll(/\{([^{}]*)\}/g)) {
    parts.push(text.slice(last, match.index));
    last = (match.index ?? 0) + match[0].length;
    const [rawName, one, many, ...extra] = match[1].split('|');
    const name = rawName.trim();
    if (one !== undefined && (many === undefined || extra.length > 0)) {
      problems.push(`"{${match[1]}}" needs exactly two nouns: {${name}|one|many}`);
    } else if (isSignalName(name)) {
      parts.push(
        one === undefined
          ? { signal: name }
          : { signal: name, one: one.trim(), many: (many as string).trim() },
      );
      if (!signals.includes(name)) signals.push(name);
    } else if ((WINDOW_NAMES as readonly string[]).includes(name)) {
      parts.push({ window: name as WindowName });
    } else if ((DATE_NAMES as readonly string[]).includes(name)) {
      parts.push({ date: name as DateName });
    } else {
      const hint = closestName(name, [...SIGNAL_NAMES, ...WINDOW_NAMES, ...DATE_NAMES]);
      problems.push(
        `message names "{${name}}", which is neither a signal, a window nor a date${hint ? ` (did you mean "{${hint}}"?)` : ''}`,
      );
    }
  }
  parts.push(text.slice(last));
  // Fold white space once here, not on every render: YAML block text brings line breaks along.
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (typeof part === 'string') parts[i] = part.replace(/\s+/g, ' ');
  }
  if (typeof parts[0] === 'string') parts[0] = parts[0].trimStart();
  const end = parts.length - 1;
  if (typeof parts[end] === 'string') parts[end] = (parts[end] as string).trimEnd();
  return {
    signals,
    render(values, windows, dates) {
      let out = '';
      for (const part of parts) {
        if (typeof part === 'string') out += part;
        else if ('signal' in part) {
          const value = values[part.signal];
          out += formatValue(value);
          if (part.one !== undefined) out += ` ${value === 1 ? part.one : part.many}`;
        } else if ('date' in part) out += formatDate(dates?.[part.date] ?? null);
        else out += String(windows[part.window]);
      }
      return out;
    },
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "24 Oct 2026", in UTC like every date the org stores; the year always, so it never changes on 1 Jan. */
export function formatDate(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'no date';
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') {
    if (Number.isInteger(value))
      return Math.abs(value) >= 10000 ? String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : String(value);
    return value.toFixed(2);
  }
  return String(value);
}
