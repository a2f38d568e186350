/**
 * `record[key]` for the record's own keys only: a client-chosen key such as
 * `constructor` or `__proto__` must read as unknown, not as Object.prototype.
 */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
