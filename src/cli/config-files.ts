import { readFileSync } from 'node:fs';
import { parseProperties } from '../runtime/properties-file.ts';
import { CliError, errnoOf } from './cli-error.ts';

/**
 * Reading the files the CLI is given: a worker config (flat map) and connector files, either
 * `{"name": …, "config": {…}}` (the REST body of POST /connectors) or a flat map with `name`. A file whose
 * name ends in `.properties` is read as Java properties, as Kafka Connect's `connect-standalone.properties`,
 * `connect-distributed.properties` and connector `.properties` files are written, so they work unchanged.
 * Errors name the file and, for JSON, the line and column.
 */
export interface ConnectorFile {
  readonly path: string;
  readonly name: string;
  readonly config: Record<string, string>;
}

export function readJsonFile(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path}: invalid JSON: ${withLineColumn(text, (error as Error).message)}`);
  }
}

/** A JSON file, or a `.properties` file as a flat object of strings. */
function readConfigFile(path: string): unknown {
  if (!path.endsWith('.properties')) return readJsonFile(path);
  return Object.fromEntries(parseProperties(readText(path)));
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = errnoOf(error);
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : String(error);
    throw new CliError(`cannot read ${path}: ${why}`);
  }
}

/** Node's message names the position; add line and column when it does not already. */
function withLineColumn(text: string, message: string): string {
  const at = /at position (\d+)/.exec(message);
  if (!at || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line} column ${column})`;
}

function stringMap(path: string, value: unknown, what: string): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CliError(`${path}: ${what} must be a JSON object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || typeof v === 'object')
      throw new CliError(`${path}: "${k}" must be a string, number or boolean`);
    out[k] = String(v);
  }
  return out;
}

export function readWorkerConfig(path: string): Record<string, string> {
  return stringMap(path, readConfigFile(path), 'a worker config');
}

export function readConnectorFile(path: string): ConnectorFile {
  const json = readConfigFile(path);
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new CliError(`${path}: a connector file must be a JSON object`);
  const top = json as Record<string, unknown>;
  const nested = top['config'] !== undefined && typeof top['config'] === 'object';
  const config = nested
    ? stringMap(path, top['config'], '"config"')
    : stringMap(path, top, 'a connector config');
  const name = typeof top['name'] === 'string' ? top['name'] : config['name'];
  if (!name) throw new CliError(`${path}: the connector has no "name"`);
  if (config['name'] !== undefined && config['name'] !== name) {
    throw new CliError(`${path}: "name" (${name}) differs from config "name" (${config['name']})`);
  }
  return { path, name, config: { ...config, name } };
}
