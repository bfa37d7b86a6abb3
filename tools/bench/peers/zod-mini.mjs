// The zod/mini builders and parsers a contract schema uses.
export {
  array,
  boolean,
  enum,
  literal,
  number,
  object,
  optional,
  parse,
  safeParse,
  string,
  union,
} from 'zod/mini'
