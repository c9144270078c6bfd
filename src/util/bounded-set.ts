// A set that forgets its oldest entries past a capacity (a Map keeps insertion order): for
// "recently seen / rejected" ids that must not grow with what peers send.
export class BoundedSet<K> {
  private readonly items = new Map<K, true>();
  constructor(readonly capacity: number) {}
  get size(): number {
    return this.items.size;
  }
  has(k: K): boolean {
    return this.items.has(k);
  }
  add(k: K): void {
    if (this.items.has(k)) this.items.delete(k); // refresh: most recent last
    this.items.set(k, true);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as K);
  }
  delete(k: K): boolean {
    return this.items.delete(k);
  }
}
