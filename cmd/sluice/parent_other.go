//go:build !linux

package main

// stopWithGoRun does nothing where there is no parent-death signal.
func stopWithGoRun() {}
