// Package aggregate is the library of aggregate functions (COUNT, SUM, AVG, MIN,
// MAX, LATEST_BY_OFFSET, ...): how each folds input rows into a state, retracts a
// row when its input is a table, merges two states when session windows merge, and
// turns a state into a result. States are plain SQL values (types), so any state
// store can persist them with types.AppendBinary.
package aggregate
