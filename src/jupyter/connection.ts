/**
 * The connection file Jupyter writes for a kernel it starts (jupyter_client's format): the
 * transport and address, one port per channel, the HMAC key and its scheme. Bad files are one
 * UserError naming the file and what is wrong.
 */
import * as fs from 'node:fs';
import { UserError } from '../engine/errors';

export const CHANNELS = ['shell', 'iopub', 'stdin', 'control', 'hb'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Connection {
  transport: 'tcp' | 'ipc';
  ip: string;
  ports: Record<Channel, number>;
  key: string;
  signatureScheme: string;
}

export function readConnectionFile(file: string): Connection {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the connection file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: the connection file is not JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${file}: the connection file is not a JSON object`);
  const transport = json.transport ?? 'tcp';
  if (transport !== 'tcp' && transport !== 'ipc') throw new UserError(`${file}: unsupported transport '${String(transport)}' (tcp or ipc)`);
  const ip = json.ip ?? '127.0.0.1';
  if (typeof ip !== 'string' || ip === '') throw new UserError(`${file}: 'ip' must be a host address`);
  const ports = {} as Record<Channel, number>;
  for (const c of CHANNELS) {
    const p = json[`${c}_port`];
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) throw new UserError(`${file}: '${c}_port' must be a port number, got ${JSON.stringify(p) ?? 'nothing'}`);
    ports[c] = p;
  }
  const key = json.key ?? '';
  if (typeof key !== 'string') throw new UserError(`${file}: 'key' must be a string`);
  const scheme = json.signature_scheme ?? 'hmac-sha256';
  if (typeof scheme !== 'string' || !/^hmac-\w+$/.test(scheme)) throw new UserError(`${file}: unsupported signature_scheme '${String(scheme)}' (hmac-sha256)`);
  return { transport, ip, ports, key, signatureScheme: scheme };
}

/** The ZeroMQ address of a channel: tcp://IP:PORT, or ipc://IP-PORT as jupyter_client names ipc files. */
export function endpoint(c: Connection, channel: Channel): string {
  return c.transport === 'tcp' ? `tcp://${c.ip.includes(':') ? `[${c.ip}]` : c.ip}:${c.ports[channel]}` : `ipc://${c.ip}-${c.ports[channel]}`;
}
