// ApiKeyService: creating, revoking and listing API keys (SPEC §13). Each change is a configuration
// change of kind api_key (§10): every instance's KeyRegistry reloads on its event.

import { randomUUID } from "node:crypto";
import { validateServices } from "../engine/definition";
import { badInput, DomainError, notFound } from "../engine/errors";
import { ApiKeyRepository, type StoredApiKey } from "../persistence/api-key.repository";
import { type AccessKey, type Role, ROLES, defaultRateLimit } from "./access-key";
import { digestOf, newSecret, shownPrefix } from "./api-key-secret";
import type { Caller } from "./caller";
import { apiKeySubject, type ConfigChanges } from "./config-change";
import { BOOTSTRAP_KEY_ID, type BootstrapSecret, bootstrapKey } from "./key-registry";

/** An API key as listed: never its secret or digest. */
export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly services: readonly string[] | null;
  readonly prefix: string;
  readonly rateLimit: number;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

export interface CreateApiKeyCommand {
  readonly name: string;
  readonly role: string;
  readonly services?: readonly string[] | null;
  readonly expiresAt?: Date | null;
  readonly rateLimit?: number | null;
}

export interface CreatedApiKey {
  readonly apiKey: ApiKeyView;
  /** Shown once: only its digest is stored. */
  readonly secret: string;
}

/** What a key change waits for before answering: this instance's registry has it. */
export interface KeyReload {
  reload(): Promise<void>;
}

const MAX_NAME = 100;
const MAX_RATE_LIMIT = 1_000_000;

const viewOf = (row: StoredApiKey): ApiKeyView => ({
  id: row.id,
  name: row.name,
  role: row.role as Role,
  services: row.services,
  prefix: row.prefix,
  rateLimit: row.rateLimit,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  revokedAt: row.revokedAt,
  lastUsedAt: row.lastUsedAt,
});

/** Thrown inside a key change that finds nothing to do: rolls it back, version and all, and answers `value`. */
class NothingToChange<T> extends Error {
  constructor(readonly value: T) {
    super("nothing to change");
  }
}

function validate(cmd: CreateApiKeyCommand, now: number): { role: Role; services: string[] | null; rateLimit: number } {
  const name = cmd.name.trim();
  if (name === "" || name.length > MAX_NAME) throw badInput("input.name", `name must be 1-${MAX_NAME} characters, not blank`);
  if (!(ROLES as readonly string[]).includes(cmd.role)) throw badInput("input.role", `role must be one of ${ROLES.join(", ")}`);
  const role = cmd.role as Role;
  const services = cmd.services ?? null;
  if (services !== null) {
    if (role !== "SDK") throw badInput("input.services", "only SDK keys are limited to services; other roles see every service");
    if (services.length === 0) throw badInput("input.services", "services must name at least one service; omit it for every service");
    validateServices("input.services", services);
  }
  if (cmd.expiresAt != null && !(cmd.expiresAt.getTime() > now)) throw badInput("input.expiresAt", "expiresAt must be in the future");
  const rateLimit = cmd.rateLimit ?? defaultRateLimit(role);
  if (!Number.isInteger(rateLimit) || rateLimit < 1 || rateLimit > MAX_RATE_LIMIT) {
    throw badInput("input.rateLimit", `rateLimit must be an integer in [1, ${MAX_RATE_LIMIT}] requests per second`);
  }
  return { role, services: services === null ? null : [...new Set(services)].sort(), rateLimit };
}

export class ApiKeyService {
  constructor(
    private readonly changes: ConfigChanges,
    private readonly registry: KeyReload,
    /** TESSERA_ADMIN_KEY, listed as the `bootstrap` key while set. */
    private readonly bootstrap: BootstrapSecret | null,
  ) {}

  async create(cmd: CreateApiKeyCommand, caller: Caller): Promise<CreatedApiKey> {
    const { role, services, rateLimit } = validate(cmd, Date.now());
    const id = randomUUID();
    const secret = newSecret();
    const row = await this.change(id, "api_key_created", caller, (keys) =>
      keys.insert({ id, name: cmd.name.trim(), role, services, prefix: shownPrefix(secret), digest: digestOf(secret), rateLimit, expiresAt: cmd.expiresAt ?? null }),
    );
    return { apiKey: viewOf(row), secret };
  }

  /** Revoking a revoked key changes nothing and answers it as it is. */
  async revoke(id: string, caller: Caller): Promise<ApiKeyView> {
    if (id === BOOTSTRAP_KEY_ID && this.bootstrap !== null) {
      throw badInput("id", "the bootstrap key lasts as long as TESSERA_ADMIN_KEY is set: unset it and restart to retire it");
    }
    // Looked at under the configuration lock: of two revocations at once, one changes the key.
    const row = await this.change(id, "api_key_revoked", caller, async (keys) => {
      const current = await keys.find(id);
      if (current === null) throw notFound("API key", id);
      if (current.revokedAt !== null) throw new NothingToChange(current);
      await keys.revoke(id);
      return (await keys.find(id))!;
    });
    return viewOf(row);
  }

  /** The bootstrap key first (while set), then the stored keys, oldest first. */
  async list(): Promise<ApiKeyView[]> {
    const rows = await this.changes.db.read((em) => new ApiKeyRepository(em).all());
    return [...(this.bootstrap === null ? [] : [this.bootstrapView()]), ...rows.map(viewOf)];
  }

  /** The caller's own key; with AUTH=off, an ADMIN that says so. */
  async me(caller: Caller): Promise<ApiKeyView> {
    const key = caller.key;
    if (key === null) return AUTH_OFF_VIEW;
    if (key.id === BOOTSTRAP_KEY_ID) return this.bootstrapView();
    const row = await this.changes.db.read((em) => new ApiKeyRepository(em).find(key.id));
    if (row === null) throw new DomainError("UNAUTHENTICATED", "this API key no longer exists");
    return viewOf(row);
  }

  /**
   * On a database where no key was ever made (revoked ones count), creates an ADMIN key and
   * returns it; null when a key exists. Instances starting together take turns on the
   * configuration lock, so exactly one creates it.
   */
  async createFirstKey(caller: Caller): Promise<CreatedApiKey | null> {
    // Read first: a start on a database with keys (nearly every start) takes no configuration lock.
    if ((await this.changes.db.read((em) => new ApiKeyRepository(em).count())) > 0) return null;
    const id = randomUUID();
    const secret = newSecret();
    const row = await this.change<StoredApiKey | null>(id, "api_key_created", caller, async (keys) => {
      if ((await keys.count()) > 0) throw new NothingToChange(null);
      return keys.insert({ id, name: "admin", role: "ADMIN", services: null, prefix: shownPrefix(secret), digest: digestOf(secret), rateLimit: defaultRateLimit("ADMIN"), expiresAt: null });
    });
    return row === null ? null : { apiKey: viewOf(row), secret };
  }

  /** One key change (SPEC §10); this instance's registry has it before the caller gets the answer. */
  private async change<T>(id: string, mutation: string, caller: Caller, work: (keys: ApiKeyRepository) => Promise<T>): Promise<T> {
    try {
      const value = await this.changes.apply(apiKeySubject(id), mutation, caller, (em) => work(new ApiKeyRepository(em)));
      await this.registry.reload();
      return value;
    } catch (error) {
      if (error instanceof NothingToChange) return error.value as T;
      throw error;
    }
  }

  private bootstrapView(): ApiKeyView {
    const key: AccessKey & { prefix: string } = bootstrapKey(this.bootstrap!);
    return { id: key.id, name: key.name, role: key.role, services: null, prefix: key.prefix, rateLimit: key.rateLimit, createdAt: BOOTED_AT, expiresAt: null, revokedAt: null, lastUsedAt: null };
  }
}

const BOOTED_AT = new Date();

const AUTH_OFF_VIEW: ApiKeyView = { id: "auth-off", name: "auth-off", role: "ADMIN", services: null, prefix: "", rateLimit: 0, createdAt: BOOTED_AT, expiresAt: null, revokedAt: null, lastUsedAt: null };
