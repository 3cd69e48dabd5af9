// Names for statements PostgreSQL may prepare once per connection and run again with new values.
// A prepared statement keeps its plan: worth it where the best plan does not depend on the
// values (a row by its id, an insert), where planning costs the server more than running does.
// The names are capped, since each connection holds every statement it has prepared for as long
// as it lives; a statement past the cap is planned each time as any other.
export const PREPARED_CAP = 256;

export class PreparedNames {
  private readonly names = new Map<string, string>();
  private next = 0;

  constructor(private readonly cap = PREPARED_CAP) {}

  // The name for this text, or undefined once the cap is reached.
  for(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < this.cap) this.names.set(text, (name = `xos_${++this.next}`));
    return name;
  }

  // A name whose prepared form the server refused (its tables changed shape under it): the text
  // gets a new name, prepared afresh, when it comes again.
  forget(text: string) {
    this.names.delete(text);
  }
}

// PostgreSQL refuses a prepared statement whose result columns changed since it was prepared
// (a migration added a column to a table it reads with *).
export const isStalePlan = (e: unknown) => (e as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(String((e as Error).message));
