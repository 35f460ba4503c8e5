// Package parser turns ksqlDB statement text into the statement AST of ast.go.
//
// It has two layers. A front layer of our own owns the text: it tokenizes the
// script (lexer.go), splits it into statements, parses the KSQL-only statements
// (CREATE STREAM, SHOW, PRINT, ...) and types by recursive descent, and for
// SELECT strips the KSQL-only clauses (WINDOW, WITHIN, EMIT, PARTITION BY, FULL
// JOIN) and rewrites KSQL-only expression forms (->, [i], CAST to KSQL types,
// constructors, lambdas, $n) into plain function calls (rewrite.go). The TiDB
// parser then parses the remaining SELECT core, and its AST is converted at once
// into ours (convert.go); the rewrite's position map sends every TiDB offset back
// to the user's text.
//
// This is the only package that imports the TiDB parser. Nothing outside it may
// see a TiDB type, and TiDB's Restore is never used: Format renders our AST.
//
// Identifiers are final in the AST: unquoted ones upper-cased, quoted ones as
// written. Every error is a *sqlerr.Error with SQLSTATE 42601 whose Position is
// a byte offset into the text given to ParseScript/ParseExpr.
package parser
