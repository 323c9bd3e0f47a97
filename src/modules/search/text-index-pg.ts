/**
 * The in-process text index (text-index.ts) on PostgreSQL: a common word's matches read from the
 * tsvector cost the database tens of milliseconds (its rows' heap pages), the index about one. It
 * answers the lists of textHits' tiered path (text-match.ts) as tsMatchLists gives them: the
 * documents whose tsvector matches the tsquery `expr`, and within them those matching it on title
 * lexemes (weight A), each the lowest `limit` ids. Built from the tsvector's lexemes
 * (text-index-pg.repository.ts), so a document holds exactly the terms the tsquery sees.
 *
 * The query side: to_tsquery('simple', …) of matchExpr's shapes (`(a | b:*) & (c)`) gives each
 * [a-z0-9]+ term as one lexeme equal to it, except the ones the default parser reads as a number in
 * scientific notation followed by letters ("1e5x" is '1e5' <-> 'x', a phrase): an expression holding
 * one, or a term of 2,047 characters or more (not indexed by PostgreSQL), is left to the database.
 */
import type { Database } from '../../db/database.ts';
import { type ExprSyntax, type ParsedExpr, parseExprShapes } from './text-index.ts';
import { textIndexOf } from './text-index-state.ts';

const ALT = /^([a-z0-9]+)(:\*)?$/;
/** Terms the parser splits in two (checked against to_tsvector over random [0-9a-z] texts, see the test). */
const SPLIT = /^[0-9]+e[0-9]+[a-z]/;
const MAX_LEXEME = 2047;

const TSQUERY_SYNTAX: ExprSyntax = {
  and: '&',
  or: '|',
  alt: ALT,
  refused: (term) => SPLIT.test(term) || term.length >= MAX_LEXEME,
};

/** The groups of a tsquery of exactly matchExpr's PostgreSQL shapes, or undefined for anything else. */
export function parseTsQueryExpr(expr: string): ParsedExpr | undefined {
  return parseExprShapes(expr, TSQUERY_SYNTAX);
}

/**
 * The index's plain and title lists of a tsquery (each the lowest `limit` ids, ascending), when it
 * can answer now, else undefined (the database answers).
 */
export function tsIndexLists(
  database: Database,
  expr: string,
  limit: number,
): { plain: Int32Array; title: Int32Array } | undefined {
  const index = textIndexOf(database);
  const parsed = index && parseTsQueryExpr(expr);
  return parsed ? index.lists(parsed, limit) : undefined;
}
