/**
 * Where secrets (the JWT) are kept between runs. The Electron edge implements it with safeStorage;
 * everything else receives it as an argument, so it runs under plain Node.
 */
export interface SecretStore {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** Keeps secrets in memory only: for doctor, tests and platforms without a keychain (logged by the caller). */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();

  async get(name: string): Promise<string | null> {
    return this.values.get(name) ?? null;
  }

  async set(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }

  async delete(name: string): Promise<void> {
    this.values.delete(name);
  }

  names(): string[] {
    return [...this.values.keys()];
  }
}
