// Package sqlerr is the error type that crosses every layer up to the client: a
// message with a Postgres SQLSTATE, optional detail and hint, and an optional
// position in the user's statement text. It is a leaf package.
package sqlerr
