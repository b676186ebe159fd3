//go:build !linux

package main

// netnsChild is never asked for where network namespaces do not exist.
func netnsChild() {}
