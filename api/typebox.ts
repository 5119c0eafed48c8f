/**
 * TypeBox for Fastify: a type provider (request and reply types inferred from the route's
 * schemas) and a validator compiler. Bodies are checked exactly as sent (no coercion, so
 * `"seats": "3"` or `"ageConfirmed": 1` are refused); path, query and headers arrive as text
 * and are converted to the schema's types first.
 *
 * Validation issues carry the path and a message, never the value: they end up in problem
 * documents and log lines.
 */
import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type {
  FastifyPluginCallback,
  FastifySchemaCompiler,
  FastifyTypeProvider,
  RawServerDefault,
} from 'fastify';

export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

/** A plugin whose routes are typed from their TypeBox schemas. */
export type RoutesPlugin = FastifyPluginCallback<
  Record<never, never>,
  RawServerDefault,
  TypeBoxProvider
>;

const MAX_ISSUES = 10;

export const typeBoxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown) => {
    const input = httpPart === 'body' ? value : Value.Convert(schema, value);
    if (check.Check(input)) return { value: input };
    const issues = [];
    for (const issue of check.Errors(input)) {
      issues.push({
        keyword: 'typebox',
        instancePath: issue.path,
        schemaPath: '',
        params: {},
        message: issue.message.replace(/^Expected/, 'expected'),
      });
      if (issues.length >= MAX_ISSUES) break;
    }
    return { error: issues };
  };
};

/**
 * A syntactically valid address (ACCT-1): one `@`, a local part of printable characters without
 * spaces or quotes, and a domain of dot-separated labels ending in a letter-only TLD.
 */
export function isEmail(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at < 1 || at !== value.indexOf('@')) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (
    local.length > 64 ||
    !/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(local)
  ) {
    return false;
  }
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  return (
    labels.every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) &&
    /^[A-Za-z]{2,63}$/.test(labels[labels.length - 1])
  );
}

/**
 * One line of text as people write it: well-formed Unicode without control characters (C0,
 * DEL, C1). Postgres refuses NUL in text, and half a surrogate pair would be stored as
 * something else than what was sent.
 */
export function isSingleLineText(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
    if (code >= 0xdc00 && code <= 0xdfff) return false;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      index += 1;
    }
  }
  return true;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function registerFormats(): void {
  if (!FormatRegistry.Has('email')) FormatRegistry.Set('email', isEmail);
  if (!FormatRegistry.Has('single-line-text')) {
    FormatRegistry.Set('single-line-text', isSingleLineText);
  }
  if (!FormatRegistry.Has('date-time')) {
    FormatRegistry.Set(
      'date-time',
      (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
    );
  }
}
