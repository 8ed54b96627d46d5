import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { LogstreamError } from '../../domain';

/** A Temporal connection setting is invalid; the message names the variable (or profile key) and the fix. */
export class TemporalSettingsError extends LogstreamError {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super('INVALID_CONFIG', `${variable}: ${reason}`);
  }
}

/** TLS as both Temporal connections take it: `false` plain, `true` system roots, or certificates (mTLS). */
export interface TemporalTls {
  readonly serverNameOverride?: string;
  readonly serverRootCACertificate?: Uint8Array;
  readonly clientCertPair?: { readonly crt: Uint8Array; readonly key: Uint8Array };
}

/**
 * How to reach Temporal, read the way every Temporal SDK and the `temporal` CLI read it (`@temporalio/envconfig`): the
 * profile `TEMPORAL_PROFILE` (default `default`) of `temporal.toml` (`TEMPORAL_CONFIG_FILE`, else the user's config
 * directory), overridden by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*` and
 * `TEMPORAL_GRPC_META_*`.
 */
export interface TemporalSettings {
  readonly address: string;
  readonly namespace: string;
  readonly apiKey?: string;
  /** Undefined: plain unless an API key is set (then TLS with the system's roots, as the SDK does). */
  readonly tls?: boolean | TemporalTls;
  readonly metadata?: Readonly<Record<string, string>>;
  /** The profile chosen with `TEMPORAL_PROFILE`, when one was. */
  readonly profile?: string;
}

/** Options shared by the client's `Connection` and the worker's `NativeConnection`. */
export type TemporalConnectionOptions = Pick<ConnectionOptions, 'address' | 'tls' | 'apiKey' | 'metadata'> &
  Pick<NativeConnectionOptions, 'address' | 'tls' | 'apiKey' | 'metadata'>;

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_ADDRESS = '127.0.0.1:7233';
const DEFAULT_NAMESPACE = 'default';
const ADDRESS = /^(?:[^\s:[\]]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;
const NAMESPACE = /^[A-Za-z0-9_.-]{1,255}$/;

/**
 * Loads and validates the Temporal connection settings from `env` (and `temporal.toml`) without connecting. With
 * `localStack` (`npm start` runs its own dev server) the user's profiles, API key and TLS are not read: like AWS
 * credentials in the shell, they must not turn `npm start` away from its own stack or send a key to it.
 */
export function loadTemporalSettings(env: Env = process.env, options: { localStack?: boolean } = {}): TemporalSettings {
  // Empty variables count as unset, as everywhere else in the configuration.
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') vars[key] = value;
  if (options.localStack) return settingsOf({ address: vars.TEMPORAL_ADDRESS, namespace: vars.TEMPORAL_NAMESPACE });
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const variable = /profile '/i.test(reason) ? 'TEMPORAL_PROFILE' : 'TEMPORAL_CONFIG_FILE';
    throw new TemporalSettingsError(variable, `cannot read the Temporal client configuration: ${oneLine(reason)}`);
  }
  return settingsOf(profile, vars.TEMPORAL_PROFILE);
}

/** Validates a loaded profile (environment applied) into settings. */
function settingsOf(profile: ClientConfigProfile, profileName?: string): TemporalSettings {
  const address = profile.address || DEFAULT_ADDRESS;
  const port = ADDRESS.exec(address)?.[1];
  if (port === undefined || Number(port) < 1 || Number(port) > 65535) {
    throw new TemporalSettingsError('TEMPORAL_ADDRESS', 'must be HOST:PORT with a port from 1 to 65535');
  }
  const namespace = profile.namespace || DEFAULT_NAMESPACE;
  if (!NAMESPACE.test(namespace)) {
    throw new TemporalSettingsError('TEMPORAL_NAMESPACE', `invalid value ${JSON.stringify(namespace)}`);
  }
  const apiKey = profile.apiKey || undefined;
  if (apiKey !== undefined && !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new TemporalSettingsError(
      'TEMPORAL_API_KEY',
      'must be printable ASCII without spaces (it is sent as a header)',
    );
  }
  const tlsProfile = profile.tls;
  if (tlsProfile && !tlsProfile.disabled && Boolean(tlsProfile.clientCert) !== Boolean(tlsProfile.clientKey)) {
    throw new TemporalSettingsError(
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'mTLS needs both a client certificate and its key (TEMPORAL_TLS_CLIENT_CERT_* and TEMPORAL_TLS_CLIENT_KEY_*)',
    );
  }
  if (apiKey !== undefined && tlsProfile?.disabled) {
    throw new TemporalSettingsError('TEMPORAL_TLS', 'an API key is sent only over TLS: remove TEMPORAL_TLS=0');
  }
  let tls: TemporalSettings['tls'];
  try {
    tls = toClientOptions(profile).connectionOptions.tls ?? undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TemporalSettingsError('TEMPORAL_TLS', `cannot read a TLS certificate or key: ${oneLine(reason)}`);
  }
  return {
    address,
    namespace,
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0 ? { metadata: { ...profile.grpcMeta } } : {}),
    ...(profileName ? { profile: profileName } : {}),
  };
}

/**
 * The options of the worker's `NativeConnection` and the API's `Connection`: one place, so both reach the same
 * cluster the same way (local dev server, Temporal Cloud with an API key, or mTLS). `address` overrides the settings'
 * (the local stack picks its own port).
 */
export function temporalConnectionOptions(
  settings: Pick<TemporalSettings, 'address' | 'apiKey' | 'tls' | 'metadata'>,
  address: string = settings.address,
): TemporalConnectionOptions {
  return {
    address,
    ...(settings.tls !== undefined ? { tls: settings.tls as NonNullable<TemporalConnectionOptions['tls']> } : {}),
    ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata !== undefined ? { metadata: { ...settings.metadata } } : {}),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
