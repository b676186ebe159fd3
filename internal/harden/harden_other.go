//go:build !unix

package harden

// Process does nothing here: Windows writes no core files by default
// (Windows Error Reporting's local dumps are opt-in).
func Process() error { return nil }
